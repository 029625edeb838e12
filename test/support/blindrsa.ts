/**
 * Calls Cloudflare's blindrsa-ts (RFC 9474) in a child process (test/interop/blindrsa.mjs), on a
 * published token key.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { toRsaEncryptionSpki, type PublishedTokenKey } from '../../src/protocol/identity';

const SCRIPT = join(__dirname, '../interop/blindrsa.mjs');

function run<T>(op: string, request: Record<string, string>): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = execFile(process.execPath, [SCRIPT, op], (err, stdout, stderr) =>
      err
        ? reject(new Error(`blindrsa-ts ${op}: ${stderr || err.message}`))
        : resolve(JSON.parse(stdout) as T),
    );
    child.stdin!.end(JSON.stringify(request));
  });
}

/** The key in the form WebCrypto imports (the same RSAPublicKey under the rsaEncryption identifier). */
const spki = (key: PublishedTokenKey) =>
  toRsaEncryptionSpki(Buffer.from(key.publicKey, 'base64')).toString('base64url');

export const blindRsaTs = {
  blind: (key: PublishedTokenKey, message: Uint8Array) =>
    run<{ prepared: string; blindedMessage: string; inv: string }>('blind', {
      publicKey: spki(key),
      message: Buffer.from(message).toString('base64url'),
    }),
  finalize: (key: PublishedTokenKey, prepared: string, blindSignature: string, inv: string) =>
    run<{ signature: string }>('finalize', { publicKey: spki(key), prepared, blindSignature, inv }),
  verify: async (key: PublishedTokenKey, message: string, signature: string) =>
    (await run<{ valid: boolean }>('verify', { publicKey: spki(key), message, signature })).valid,
};
