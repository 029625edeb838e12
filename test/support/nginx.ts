/**
 * Debian's nginx running the production configuration in deploy/nginx/, with only its ports, paths,
 * upstream servers and proxy secret substituted, as a child process of the test.
 */
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request, type RequestOptions } from 'node:https';
import { join } from 'node:path';
import { repoRoot } from '../../src/app.factory';
import { freePort, waitForPort } from './ports';
import type { IssuedFiles } from './test-ca';

export interface NginxProxy {
  publicUrl: string;
  federationUrl: string;
  /** The access log lines of the federation listener so far. */
  federationLog(): string[];
  stop(): Promise<void>;
}

const DEPLOY = join(repoRoot, 'deploy', 'nginx');
const JS_MODULE = '/usr/lib/nginx/modules/ngx_http_js_module.so';

/** Replaces `from` (a string or a regex) in the production file, failing when the file no longer has it. */
function substitute(text: string, from: string | RegExp, to: string): string {
  const found = typeof from === 'string' ? text.includes(from) : from.test(text);
  if (!found) throw new Error(`deploy/nginx/veilig.conf no longer contains ${String(from)}`);
  return typeof from === 'string' ? text.split(from).join(to) : text.replace(from, to);
}

export async function startNginx(options: {
  dir: string;
  upstreams: number[];
  publicCert: IssuedFiles;
  federationCert: IssuedFiles;
  proxySecret: string;
}): Promise<NginxProxy> {
  const { dir } = options;
  const conf = join(dir, 'conf');
  const logs = join(dir, 'logs');
  for (const d of [conf, logs, join(dir, 'tmp')]) mkdirSync(d, { recursive: true });
  // As root, nginx's workers run as nobody: they need to reach the temp directories.
  chmodSync(dir, 0o755);
  chmodSync(join(dir, 'tmp'), 0o777);
  copyFileSync(join(DEPLOY, 'veilig-proxy.conf'), join(conf, 'veilig-proxy.conf'));
  copyFileSync(join(DEPLOY, 'client-certificate.js'), join(conf, 'client-certificate.js'));
  copyFileSync(options.publicCert.certFile, join(conf, 'public.crt'));
  copyFileSync(options.publicCert.keyFile, join(conf, 'public.key'));
  copyFileSync(options.federationCert.certFile, join(conf, 'federation.crt'));
  copyFileSync(options.federationCert.keyFile, join(conf, 'federation.key'));
  writeFileSync(
    join(conf, 'federation-proxy-secret.conf'),
    `set $veilig_proxy_secret "${options.proxySecret}";\n`,
    { mode: 0o600 },
  );
  const [publicPort, federationPort] = [await freePort(), await freePort()];
  let site = readFileSync(join(DEPLOY, 'veilig.conf'), 'utf8');
  site = substitute(site, '/etc/nginx/veilig/', `${conf}/`);
  site = substitute(site, '/var/log/nginx/', `${logs}/`);
  site = substitute(site, 'listen 443 ssl', `listen 127.0.0.1:${publicPort} ssl`);
  site = substitute(site, 'listen 8443 ssl', `listen 127.0.0.1:${federationPort} ssl`);
  site = substitute(
    site,
    /(\n\s*server 10\.0\.1\.\d+:3000 [^;]*;)+/,
    options.upstreams.map((port) => `\n    server 127.0.0.1:${port};`).join(''),
  );
  writeFileSync(join(conf, 'veilig.conf'), site);
  const tmp = (name: string) => `${name}_temp_path ${join(dir, 'tmp', name)};`;
  writeFileSync(
    join(dir, 'nginx.conf'),
    [
      `load_module ${JS_MODULE};`,
      `pid ${join(dir, 'nginx.pid')};`,
      'worker_processes 1;',
      'events { worker_connections 256; }',
      'http {',
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(tmp),
      `  include ${join(conf, 'veilig.conf')};`,
      '}',
    ].join('\n'),
  );
  const errorLog = join(logs, 'error.log');
  const child = spawn(
    'nginx',
    ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', errorLog, '-g', 'daemon off;'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await Promise.race([
      Promise.all([waitForPort(publicPort), waitForPort(federationPort)]),
      exited.then(() => {
        throw new Error(`nginx exited: ${stderr}${readFileSync(errorLog, 'utf8')}`);
      }),
    ]);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  return {
    publicUrl: `https://127.0.0.1:${publicPort}`,
    federationUrl: `https://127.0.0.1:${federationPort}`,
    federationLog: () =>
      readFileSync(join(logs, 'veilig-federation.log'), 'utf8').split('\n').filter(Boolean),
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** One HTTPS request with Node's client: the CA to trust, optionally a client certificate, any headers. */
export function httpsGet(
  url: string,
  options: { ca: string; client?: { certPem: string; keyPem: string }; headers?: Record<string, string> },
): Promise<{ status: number; body: string }> {
  const target: RequestOptions = {
    ca: options.ca,
    cert: options.client?.certPem,
    key: options.client?.keyPem,
    headers: options.headers,
    agent: false,
  };
  return new Promise((resolve, reject) => {
    request(url, target, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
    })
      .on('error', reject)
      .end();
  });
}
