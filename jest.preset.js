// Shared jest settings: TypeScript through swc (no type checking here; `npm run typecheck`
// does that once for the whole workspace), workspace packages resolved to their sources.
const path = require('node:path');

module.exports = {
  testEnvironment: 'node',
  testMatch: ['<rootDir>/src/**/*.spec.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      {
        jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
        module: { type: 'commonjs' },
        sourceMaps: 'inline',
      },
    ],
  },
  moduleNameMapper: {
    '^@nagare/server-app$': path.join(__dirname, 'apps/server/src/index.ts'),
    '^@nagare/(.*)$': path.join(__dirname, 'packages/$1/src/index.ts'),
  },
  moduleFileExtensions: ['ts', 'js', 'json'],
  // Sized for a loaded two-core machine (jest's 5 s default failed CLI tests
  // there); projects that start processes set more in their jest.config.js.
  testTimeout: 30000,
};
