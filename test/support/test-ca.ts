/**
 * A throw-away certificate authority made with openssl, for the servers a test starts itself (PostgreSQL,
 * Redis, nginx) and the clients that talk to them. P-256 keys, SHA-256 signatures, subjectAltNames.
 */
import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface IssuedFiles {
  certFile: string;
  keyFile: string;
  certPem: string;
  keyPem: string;
  /** SHA-256 of the certificate's DER, lower-case hex. */
  thumbprint: string;
}

export interface TestCa {
  caFile: string;
  /**
   * A certificate for `name`: `dns`/`ip` subjectAltNames make it a server certificate, `subject` sets the
   * DN (default `/CN=<name>`), `clientAuth` adds that extended key usage.
   */
  issue(
    name: string,
    options?: { dns?: string[]; ip?: string[]; subject?: string; clientAuth?: boolean },
  ): IssuedFiles;
}

const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] });

export function createTestCa(dir: string, name: string): TestCa {
  const caKey = join(dir, `${name}-ca.key`);
  const caFile = join(dir, `${name}-ca.crt`);
  openssl([
    'req', '-x509', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-sha256',
    '-days', '2', '-subj', `/O=Veilig tests/CN=${name} test CA`, '-keyout', caKey, '-out', caFile,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]); // prettier-ignore
  let serial = 0;
  return {
    caFile,
    issue(certName, options = {}) {
      const base = join(dir, `${name}-${certName}`);
      const [keyFile, csrFile, certFile, extFile] = ['key', 'csr', 'crt', 'ext'].map((s) => `${base}.${s}`);
      const san = [
        ...(options.dns ?? []).map((d) => `DNS:${d}`),
        ...(options.ip ?? []).map((i) => `IP:${i}`),
      ];
      const usages = [...(san.length ? ['serverAuth'] : []), ...(options.clientAuth ? ['clientAuth'] : [])];
      writeFileSync(
        extFile,
        [
          'basicConstraints=critical,CA:FALSE',
          'keyUsage=critical,digitalSignature',
          ...(usages.length ? [`extendedKeyUsage=${usages.join(',')}`] : []),
          ...(san.length ? [`subjectAltName=${san.join(',')}`] : []),
        ].join('\n'),
      );
      openssl([
        'req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
        '-subj', options.subject ?? `/CN=${certName}`, '-keyout', keyFile, '-out', csrFile,
      ]); // prettier-ignore
      openssl([
        'x509', '-req', '-in', csrFile, '-CA', caFile, '-CAkey', caKey, '-set_serial', String(1000 + ++serial),
        '-days', '2', '-sha256', '-extfile', extFile, '-out', certFile,
      ]); // prettier-ignore
      const certPem = readFileSync(certFile, 'utf8');
      return {
        certFile,
        keyFile,
        certPem,
        keyPem: readFileSync(keyFile, 'utf8'),
        thumbprint: createHash('sha256').update(new X509Certificate(certPem).raw).digest('hex'),
      };
    },
  };
}
