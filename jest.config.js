// Jest runs TypeScript through SWC (decorator metadata on) to keep the 2-core CI fast; `npm run lint`
// does the type checking.
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      target: 'es2022',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];
const common = {
  transform: { '^.+\\.ts$': swc },
  moduleFileExtensions: ['ts', 'js', 'json'],
  testEnvironment: 'node',
  rootDir: __dirname,
};
process.env.TZ = 'UTC';

/** @type {import('jest').Config} */
module.exports = {
  // A SoftHSM2 token directory for this run (PKCS#11 tests), set before the test processes start.
  globalSetup: '<rootDir>/test/support/softhsm-global-setup.ts',
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/{src,mobile,scripts,deploy}/**/*.spec.ts'],
      // Some unit tests do real crypto on megabytes; 5 s is too tight on a loaded 2-core machine.
      testTimeout: 30_000,
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      setupFiles: ['<rootDir>/test/setup-env.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/setup-timeout.ts'],
    },
    {
      ...common,
      displayName: 'browser',
      testMatch: ['<rootDir>/test/**/*.browser-spec.ts'],
      setupFiles: ['<rootDir>/test/setup-env.ts'],
      setupFilesAfterEnv: ['<rootDir>/test/setup-timeout.ts'],
    },
  ],
};
