/**
 * PKCS#11 for Node hosts (smart-card bridge, HSM export signing): see README.md in this folder.
 * Node only: loads a native addon. Never import it from the portal or the phone core.
 */
export { pkcs11CmsSigner } from './cms-signer';
export { Pkcs11Error, toPkcs11Error, type PinStatus, type Pkcs11ErrorCode } from './errors';
export {
  Pkcs11Module,
  Pkcs11Session,
  type Pkcs11Certificate,
  type Pkcs11Hash,
  type Pkcs11PrivateKey,
  type Pkcs11PublicKey,
  type Pkcs11SignatureAlgorithm,
  type Pkcs11TokenInfo,
  type Pkcs11TokenSelector,
} from './token';
