/** Jest runs TypeScript through swc (transpile only; `tsc --noEmit` type-checks). */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022' } }] },
  // uuid is ESM-only; let swc turn it into CommonJS for Jest on Node 20.
  transformIgnorePatterns: ['/node_modules/(?!uuid/)'],
  testTimeout: 60000,
  reporters: ['default', '<rootDir>/test/helpers/summary-reporter.js'],
};
