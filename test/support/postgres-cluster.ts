/**
 * A PostgreSQL cluster a suite starts for itself from Debian's binaries, on a free loopback port and in
 * a temporary directory, speaking TLS with a certificate from a test CA. PostgreSQL refuses to run as
 * root, so as root its commands run as the `postgres` user.
 */
import { execFileSync } from 'node:child_process';
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
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports';
import type { IssuedFiles } from './test-ca';

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
