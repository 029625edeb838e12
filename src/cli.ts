/**
 * Operator commands: `npm run cli -- <command> [options]` (after `npm run build`).
 *   create-admin --email <email> [--name <display name>]   platform admin with a one-time password
 *   migrate                                                run pending migrations and exit
 *   check-config                                           validate the environment and exit
 */
import { NestFactory } from '@nestjs/core';
import { writeSync } from 'node:fs';
import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { AppModule } from './app.module';
import { ConfigError, loadConfig } from './config/app-config';
import { runMigrations } from './database/run-migrations';
import { AccountsService } from './modules/accounts/accounts.service';

// Synchronous writes: the process exits right after, and piped stdout would lose buffered output.
const out = (text: string) => writeSync(1, text);
const err = (text: string) => writeSync(2, text);

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

/** Runs one command; returns the exit code. Exported for tests. */
export async function runCli(
  argv: string[],
  env: Record<string, string | undefined> = process.env,
  io: { out(text: string): void; err(text: string): void } = { out, err },
): Promise<number> {
  const [command, ...args] = argv;
  const loaded = loadConfig(env);
  const config = { ...loaded, jobs: { ...loaded.jobs, worker: false } };
  if (command === 'check-config') {
    io.out(
      `configuration is valid (${config.env}, ${config.database.kind}${config.redis ? ', redis' : ''})\n`,
    );
    return 0;
  }
  if (command !== 'create-admin' && command !== 'migrate') {
    io.err('usage: cli create-admin --email <email> [--name <name>] | migrate | check-config\n');
    return 2;
  }
  const app = await NestFactory.createApplicationContext(
    AppModule.forRoot({ ...config, database: { ...config.database, migrationsRun: false } }),
    {
      logger: ['error', 'warn'],
      abortOnError: false,
    },
  );
  try {
    const applied = await runMigrations(app.get(DataSource));
    if (command === 'migrate') {
      io.out(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
      return 0;
    }
    const email = option(args, 'email');
    if (!email || !/^[^@\s]+@[^@\s]+$/.test(email)) {
      io.err('create-admin needs --email <email>\n');
      return 2;
    }
    const { user, temporaryPassword } = await app
      .get(AccountsService)
      .createPlatformAdmin(email, option(args, 'name'));
    io.out(`platform admin ${user.email} created; one-time password: ${temporaryPassword}\n`);
    return 0;
  } finally {
    await app.close();
  }
}

if (require.main === module) {
  runCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      err(`${e instanceof ConfigError ? e.message : e instanceof Error ? e.message : String(e)}\n`);
      process.exit(1);
    },
  );
}
