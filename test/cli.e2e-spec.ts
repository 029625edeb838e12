import { runCli } from '../src/cli';
import { freshEnv, testName } from './support/profile';

describe('operator CLI', () => {
  it('migrates, creates a platform admin and validates the configuration', async () => {
    const env = await freshEnv(testName());
    let printed = '';
    const io = { out: (t: string) => void (printed += t), err: (t: string) => void (printed += t) };
    await expect(runCli(['migrate'], env, io)).resolves.toBe(0);
    await expect(runCli(['create-admin', '--email', 'ops@veilig.test'], env, io)).resolves.toBe(0);
    expect(printed).toMatch(/platform admin ops@veilig\.test created; one-time password: \S{19}/);
    await expect(runCli(['create-admin', '--email', 'not-an-email'], env, io)).resolves.toBe(2);
    await expect(runCli(['check-config'], env, io)).resolves.toBe(0);
    await expect(runCli(['nonsense'], env, io)).resolves.toBe(2);
  });
});
