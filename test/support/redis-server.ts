/**
 * A private redis-server for tests that stop, restart or empty Redis (the shared one must not be touched):
 * on a free loopback port, keeping nothing on disk, so a restart comes back empty as after a crash.
 */
import Redis from 'ioredis';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';

export interface TestRedisServer {
  url: string;
  /** Kills the server and starts a new, empty one on the same port. */
  restart(): Promise<void>;
  flushAll(): Promise<void>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export async function startRedisServer(): Promise<TestRedisServer> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess;
  const start = async () => {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => 50 });
    for (let i = 0; i < 100; i++) {
      if (
        await client.ping().then(
          () => true,
          () => false,
        )
      )
        break;
      await new Promise((r) => setTimeout(r, 50));
    }
    client.disconnect();
  };
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    url,
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
