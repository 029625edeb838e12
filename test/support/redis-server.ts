/**
 * A private redis-server for tests that stop, restart or empty Redis (the shared one must not be touched)
 * or need it to speak TLS: on a free loopback port, keeping nothing on disk, so a restart comes back
 * empty as after a crash.
 */
import Redis from 'ioredis';
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort, waitForPort } from './ports';
import type { IssuedFiles } from './test-ca';

export interface TestRedisServer {
  url: string;
  port: number;
  /** Kills the server and starts a new, empty one on the same port. */
  restart(): Promise<void>;
  flushAll(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * With `tls`, only a TLS port (`--port 0`); `authClients` is Redis' `tls-auth-clients`: `yes` refuses
 * clients without a certificate from `caFile`.
 */
export async function startRedisServer(tls?: {
  server: IssuedFiles;
  caFile: string;
  authClients: 'yes' | 'no' | 'optional';
}): Promise<TestRedisServer> {
  const port = await freePort();
  const url = `${tls ? 'rediss' : 'redis'}://127.0.0.1:${port}`;
  const args = [
    ...['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    ...(tls
      ? [
          ...['--port', '0', '--tls-port', String(port)],
          ...['--tls-cert-file', tls.server.certFile, '--tls-key-file', tls.server.keyFile],
          ...['--tls-ca-cert-file', tls.caFile, '--tls-auth-clients', tls.authClients],
        ]
      : ['--port', String(port)]),
  ];
  let child: ChildProcess;
  const start = async () => {
    child = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<never>((_, reject) =>
      child.once('exit', () => reject(new Error(`redis-server exited: ${stderr}`))),
    );
    exited.catch(() => undefined);
    await Promise.race([waitForPort(port), exited]);
  };
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    url,
    port,
    restart: async () => {
      await stop();
      await start();
    },
    flushAll: async () => {
      const client = new Redis(url);
      await client.flushall();
      client.disconnect();
    },
    stop,
  };
}
