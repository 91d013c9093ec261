// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Determinism: chaincode runs on every endorsing peer and must compute the same result there. */
const chaincodeRestrictions = {
  'no-restricted-imports': [
    'error',
    {
      paths: [
        'fs',
        'node:fs',
        'fs/promises',
        'node:fs/promises',
        'net',
        'node:net',
        'http',
        'node:http',
        'https',
        'node:https',
        'dgram',
        'node:dgram',
        'child_process',
        'node:child_process',
        'os',
        'node:os',
        'worker_threads',
        'node:worker_threads',
        'timers',
        'node:timers',
        'perf_hooks',
        'node:perf_hooks',
        {
          name: 'crypto',
          message: 'Use node:crypto, and only its deterministic parts.',
        },
        {
          name: 'node:crypto',
          importNames: [
            'randomBytes',
            'randomUUID',
            'randomInt',
            'randomFillSync',
            'randomFill',
            'getRandomValues',
            'webcrypto',
            'generateKeyPair',
            'generateKeyPairSync',
            'sign',
            'createSign',
          ],
          message: 'Chaincode must be deterministic: no randomness.',
        },
      ],
    },
  ],
  'no-restricted-globals': [
    'error',
    { name: 'Date', message: 'Use the transaction timestamp (ctx.stub.getTxTimestamp).' },
    { name: 'setTimeout', message: 'Chaincode must not depend on time.' },
    { name: 'setInterval', message: 'Chaincode must not depend on time.' },
    { name: 'setImmediate', message: 'Chaincode must not depend on time.' },
    { name: 'performance', message: 'Chaincode must not read clocks.' },
    { name: 'fetch', message: 'Chaincode must not do I/O.' },
    { name: 'crypto', message: 'Chaincode must not use randomness.' },
  ],
  'no-restricted-properties': [
    'error',
    { object: 'Math', property: 'random', message: 'Chaincode must be deterministic.' },
    { object: 'process', property: 'hrtime', message: 'Chaincode must not read clocks.' },
    { object: 'process', property: 'env', message: 'Chaincode must not read the environment.' },
  ],
};

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '.corroborate/**',
      '.stryker-tmp/**',
      'reports/**',
      'eslint.config.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // The mocha reporter is plain CommonJS loaded by mocha itself.
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', process: 'readonly' },
    },
    rules: {
      ...tseslint.configs.disableTypeChecked.rules,
      '@typescript-eslint/no-require-imports': 'off',
    },
  },
  {
    files: ['chaincode/src/**/*.ts', 'chaincode/protocol/src/**/*.ts'],
    rules: chaincodeRestrictions,
  },
  {
    files: ['test/**/*.ts'],
    rules: {
      // chai's property assertions (expect(x).to.be.true) are expressions.
      '@typescript-eslint/no-unused-expressions': 'off',
    },
  },
);
