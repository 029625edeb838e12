// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const frameworkFree = {
  patterns: [
    {
      group: ['@nestjs/*', 'typeorm', 'typeorm/*', '@angular/*', 'bull', 'ioredis'],
      message:
        'src/protocol and mobile/ are framework-free: they are reused by the phone, the CLI and the server.',
    },
    {
      group: ['**/modules/**', '**/src/modules/**', '**/database/**', '**/config/**'],
      message: 'Framework-free code must not import Nest modules, the database or the config.',
    },
  ],
};

export default tseslint.config(
  {
    ignores: [
      'bench/workers/**',
      // ES-module children that run ESM-only reference libraries for the tests (jest cannot load them).
      'test/interop/**',
      'scratch/**',
      'dist/**',
      'node_modules/**',
      'portals/**',
      'data/**',
      'coverage/**',
      'jest.config.js',
      'eslint.config.mjs',
      'build/**',
      'bench/.out/**',
      // njs for nginx (ES5-ish JavaScript run by nginx, not Node); the nginx proxy test exercises it.
      'deploy/nginx/*.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/member-ordering': 'warn',
      '@typescript-eslint/no-unused-vars': ['warn', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-extraneous-class': 'off',
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    files: ['src/protocol/**/*.ts', 'mobile/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', frameworkFree] },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
