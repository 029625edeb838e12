/**
 * Runs `oidc-provider`, configured as ID-porten (test/interop/oidc-provider-idp.mjs), in a child
 * process, with a fresh private_key_jwt client key for the app to authenticate with.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { testIdentities } from '../../src/protocol/identity/simulators/test-identities';
import { PUBLIC_URL } from './identity';

export interface RealIdp {
  issuer: string;
  /** Env for an app that logs in there with private_key_jwt. */
  env: Record<string, string>;
  close(): Promise<void>;
}

export async function startOidcProvider(clientId = 'veilig-idporten-test'): Promise<RealIdp> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const dir = await mkdtemp(join(tmpdir(), 'veilig-oidc-'));
  const keyFile = join(dir, 'client-key.pem');
  await writeFile(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  const setup = {
    clientId,
    clientPublicJwk: {
      ...publicKey.export({ format: 'jwk' }),
      kid: 'veilig-test-key',
      alg: 'RS256',
      use: 'sig',
    },
    redirectUri: `${PUBLIC_URL}/api/v1/identity/callback`,
    postLogoutRedirectUri: `${PUBLIC_URL}/api/v1/identity/logged-out`,
    people: testIdentities(Date.now()).map((p) => ({
      key: p.key,
      label: p.label,
      nationalIdentifier: p.nationalIdentifier,
    })),
  };
  const child = spawn(process.execPath, [join(__dirname, '../interop/oidc-provider-idp.mjs')], {
    env: { ...process.env, OIDC_PROVIDER_SETUP: JSON.stringify(setup) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Its stderr (development warnings about the in-memory store) is shown only if it fails to start.
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const issuer = await firstLine(child).catch((e: Error) => {
    throw new Error(`${e.message}\n${stderr}`);
  });
  return {
    issuer,
    env: {
      IDENTITY_OIDC_ISSUER: issuer,
      IDENTITY_OIDC_CLIENT_ID: clientId,
      IDENTITY_OIDC_CLIENT_AUTH: 'private_key_jwt',
      IDENTITY_OIDC_CLIENT_KEY: keyFile,
      IDENTITY_OIDC_CLIENT_KEY_ID: 'veilig-test-key',
      IDENTITY_OIDC_MIN_ACR: 'idporten-loa-substantial',
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => {
      const issuer = /^\{"issuer":"(http:\/\/127\.0\.0\.1:\d+)"\}$/.exec(line)?.[1];
      if (issuer) resolve(issuer);
      else reject(new Error(`unexpected first line from oidc-provider: ${line}`));
    });
    child.once('exit', (code) => reject(new Error(`oidc-provider exited with ${code}`)));
  });
}
