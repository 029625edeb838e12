/**
 * deploy/compose.yaml is not run by CI (there is no container engine there), so this keeps it in line
 * with the code: its instances' variables exist in the configuration schema, every `${…}` it uses is
 * written by deploy/trial-setup.sh, and with those values the production checks pass. It also holds the
 * migration command to the one the image ships (package.json `cli`, the Dockerfile's dist/).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { envSchemaParts, loadConfig } from './app-config';

const root = join(__dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');

/** `KEY: value` lines of the `environment:` block under the `x-veilig` anchor. */
function instanceEnvironment(compose: string): Record<string, string> {
  const block =
    /^x-veilig: &veilig\n(?: {2}.*\n)*? {2}environment:\n((?: {4}.*\n)+)/m.exec(compose)?.[1] ?? '';
  return Object.fromEntries(
    block
      .split('\n')
      .filter((line) => /^ {4}[A-Z]/.test(line))
      .map((line) => {
        const [, name, value] = /^ {4}([A-Z0-9_]+): (.*)$/.exec(line)!;
        return [name, value.replace(/^'(.*)'$/, '$1')];
      }),
  );
}

/** The deploy/.env values trial-setup.sh writes, with fresh random ones where it calls openssl. */
function trialDotEnv(script: string): Record<string, string> {
  const heredoc = /cat > \.env <<ENV\n([\s\S]*?)\nENV\n/.exec(script)?.[1] ?? '';
  const random = () => randomBytes(32).toString('base64');
  return Object.fromEntries(
    heredoc
      .split('\n')
      .filter((line) => /^[A-Z]/.test(line))
      .map((line) => {
        const [name, value] = line.split(/=(.*)/s) as [string, string];
        return [
          name,
          value
            .replace(/\$\(secret\)|\$proxy_secret/g, random)
            .replace(/\$\(openssl rand -hex 24\)/g, () => randomBytes(24).toString('hex')),
        ];
      }),
  );
}

describe('deploy/compose.yaml', () => {
  const compose = read('deploy/compose.yaml');
  const environment = instanceEnvironment(compose);
  const dotEnv = trialDotEnv(read('deploy/trial-setup.sh'));

  it('sets only variables the configuration knows', () => {
    const known = new Set(envSchemaParts.flatMap((part) => Object.keys(part.shape)));
    expect(Object.keys(environment).length).toBeGreaterThan(30);
    expect(Object.keys(environment).filter((name) => !known.has(name))).toEqual([]);
  });

  it('uses only ${…} values trial-setup.sh writes, and passes the production checks with them', () => {
    const used = [...compose.matchAll(/\$\{([A-Z0-9_]+)\}/g)].map((m) => m[1]);
    expect(used.filter((name) => !(name in dotEnv))).toEqual([]);
    const resolved = Object.fromEntries(
      Object.entries(environment).map(([name, value]) => [
        name,
        value.replace(/\$\{([A-Z0-9_]+)\}/g, (_, v: string) => dotEnv[v]),
      ]),
    );
    expect(() => loadConfig(resolved)).not.toThrow();
    expect(loadConfig(resolved).isProduction).toBe(true);
  });

  it('runs the migration step with the CLI the image ships', () => {
    const cli = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts.cli;
    expect(cli).toBe('node dist/src/cli.js');
    expect(compose).toContain("command: ['node', 'dist/src/cli.js', 'migrate']");
    expect(read('Dockerfile')).toContain('COPY --from=build --chown=node:node /app/dist ./dist');
  });
});
