/**
 * Cloudflare's `@cloudflare/blindrsa-ts` (RFC 9474, an ES module jest on Node 20 cannot load) as a
 * one-shot command for test/support/blindrsa.ts: `node blindrsa.mjs <op>` with a JSON request on stdin,
 * the JSON answer on stdout, byte strings in base64url. Variant RSABSSA-SHA384-PSS-Randomized.
 *
 *   blind    { publicKey, message }                     → { prepared, blindedMessage, inv }
 *   finalize { publicKey, prepared, blindSignature, inv } → { signature }   (finalize verifies)
 *   verify   { publicKey, message, signature }           → { valid }
 *
 * `publicKey` is an rsaEncryption SPKI: WebCrypto does not import the id-RSASSA-PSS form.
 */
import { RSABSSA } from '@cloudflare/blindrsa-ts';

const suite = RSABSSA.SHA384.PSS.Randomized();
const bytes = (b64) => new Uint8Array(Buffer.from(b64, 'base64url'));
const b64 = (u8) => Buffer.from(u8).toString('base64url');

let input = '';
for await (const chunk of process.stdin) input += chunk;
const request = JSON.parse(input);
const publicKey = await crypto.subtle.importKey(
  'spki',
  bytes(request.publicKey),
  { name: 'RSA-PSS', hash: 'SHA-384' },
  true,
  ['verify'],
);

let answer;
switch (process.argv[2]) {
  case 'blind': {
    const prepared = suite.prepare(bytes(request.message));
    const { blindedMsg, inv } = await suite.blind(publicKey, prepared);
    answer = { prepared: b64(prepared), blindedMessage: b64(blindedMsg), inv: b64(inv) };
    break;
  }
  case 'finalize': {
    const signature = await suite.finalize(
      publicKey,
      bytes(request.prepared),
      bytes(request.blindSignature),
      bytes(request.inv),
    );
    answer = { signature: b64(signature) };
    break;
  }
  case 'verify':
    answer = { valid: await suite.verify(publicKey, bytes(request.signature), bytes(request.message)) };
    break;
  default:
    throw new Error(`unknown operation ${process.argv[2]}`);
}
process.stdout.write(JSON.stringify(answer));
