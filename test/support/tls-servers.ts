/**
 * Servers a suite starts for itself, on free loopback ports and in temporary directories: a PostgreSQL
 * cluster from Debian's binaries and a redis-server, both speaking TLS with certificates from a test CA.
 * PostgreSQL refuses to run as root, so as root its commands run as the `postgres` user.
 */
import { execFileSync, spawn } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  chownSync,
  copyFileSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer, connect as tcpConnect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IssuedFiles } from './test-ca';

/** A port nobody listens on right now (the OS picks it; another process could still take it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function waitForPort(port: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = tcpConnect(port, '127.0.0.1')
        .once('connect', () => resolve(true))
        .once('error', () => resolve(false));
      socket.unref();
      setTimeout(() => socket.destroy(), 500).unref();
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function postgresBinDir(): string {
  const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
  if (!versions.length)
    throw new Error('no PostgreSQL under /usr/lib/postgresql (apt-get install postgresql)');
  return `/usr/lib/postgresql/${versions[0]}/bin`;
}

export interface PostgresCluster {
  port: number;
  /** postgres:// URL of `database` on this cluster (no TLS parameters: the app's config decides). */
  url(database: string): string;
  /** Copies a certificate and key into the data directory as `<name>.crt` / `<name>.key`. */
  install(files: IssuedFiles, name: string): void;
  /** SQL as the superuser over the Unix socket (no TLS involved). */
  psql(sql: string): string;
  /** Replaces the test settings (e.g. `ssl`, `ssl_cert_file`) and reloads; PostgreSQL re-reads TLS on SIGHUP. */
  reconfigure(settings: Record<string, string>): Promise<void>;
  stop(): void;
}

export async function startPostgresCluster(server: IssuedFiles): Promise<PostgresCluster> {
  const bin = postgresBinDir();
  const asRoot = process.getuid?.() === 0;
  const run = (tool: string, args: string[]) =>
    execFileSync(
      asRoot ? 'runuser' : `${bin}/${tool}`,
      asRoot ? ['-u', 'postgres', '--', `${bin}/${tool}`, ...args] : args,
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    ).toString();
  const dir = mkdtempSync(join(tmpdir(), 'veilig-pg-'));
  const owner = asRoot
    ? {
        uid: Number(execFileSync('id', ['-u', 'postgres'])),
        gid: Number(execFileSync('id', ['-g', 'postgres'])),
      }
    : undefined;
  const own = (path: string) => owner && chownSync(path, owner.uid, owner.gid);
  own(dir);
  const data = join(dir, 'data');
  run('initdb', [
    '-D',
    data,
    '-U',
    'postgres',
    '-A',
    'trust',
    '-E',
    'UTF8',
    '--no-sync',
    '--no-instructions',
  ]);
  // PostgreSQL insists that its key file belongs to it and is not readable by others.
  const install = (files: IssuedFiles, name: string) => {
    copyFileSync(files.certFile, join(data, `${name}.crt`));
    copyFileSync(files.keyFile, join(data, `${name}.key`));
    chmodSync(join(data, `${name}.key`), 0o600);
    own(join(data, `${name}.crt`));
    own(join(data, `${name}.key`));
  };
  install(server, 'server');
  const port = await freePort();
  appendFileSync(
    join(data, 'postgresql.conf'),
    [
      '',
      `port = ${port}`,
      `listen_addresses = '127.0.0.1'`,
      `unix_socket_directories = '${dir}'`,
      `max_connections = 60`,
      `shared_buffers = 16MB`,
      // A throw-away cluster: durability is not the point, speed on a shared CI machine is.
      `fsync = off`,
      `synchronous_commit = off`,
      `full_page_writes = off`,
      `include_if_exists = 'veilig-test.conf'`,
      '',
    ].join('\n'),
  );
  writeFileSync(join(data, 'pg_hba.conf'), 'local all all trust\nhost all all 127.0.0.1/32 trust\n');
  const settingsFile = join(data, 'veilig-test.conf');
  const writeSettings = (settings: Record<string, string>) => {
    writeFileSync(
      settingsFile,
      Object.entries(settings)
        .map(([k, v]) => `${k} = '${v}'`)
        .join('\n'),
    );
    own(settingsFile);
  };
  writeSettings({ ssl: 'on', ssl_cert_file: 'server.crt', ssl_key_file: 'server.key' });
  run('pg_ctl', ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60', 'start']);
  const psql = (sql: string) =>
    run('psql', ['-h', dir, '-p', String(port), '-U', 'postgres', '-tAqc', sql]).trim();
  return {
    port,
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    install,
    psql,
    async reconfigure(settings) {
      writeSettings(settings);
      run('pg_ctl', ['-D', data, 'reload']);
      // The postmaster reloads asynchronously; a new backend shows the settings once it has.
      for (const [name, value] of Object.entries(settings)) {
        const deadline = Date.now() + 10_000;
        while (psql(`SHOW ${name}`) !== value) {
          if (Date.now() > deadline) throw new Error(`PostgreSQL did not take ${name} = ${value}`);
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
    stop() {
      try {
        run('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

export interface RedisServer {
  port: number;
  stop(): Promise<void>;
}

/**
 * A redis-server with only a TLS port (`--port 0`), or only a plain one without `tls`. `authClients`
 * is Redis' `tls-auth-clients`: `yes` refuses clients without a certificate from `caFile`.
 */
export async function startRedisServer(tls?: {
  server: IssuedFiles;
  caFile: string;
  authClients: 'yes' | 'no' | 'optional';
}): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'veilig-redis-'));
  const args = [
    ...['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    ...(tls
      ? [
          ...['--port', '0', '--tls-port', String(port)],
          ...['--tls-cert-file', tls.server.certFile, '--tls-key-file', tls.server.keyFile],
          ...['--tls-ca-cert-file', tls.caFile, '--tls-auth-clients', tls.authClients],
        ]
      : ['--port', String(port)]),
  ];
  const child = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  try {
    await Promise.race([
      waitForPort(port),
      exited.then(() => {
        throw new Error(`redis-server exited: ${stderr}`);
      }),
    ]);
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  return {
    port,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
