// Lint: module boundaries (the dependency direction of DEVELOPERS.md) and the
// "core packages do no socket or timer I/O of their own" rule.
import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

const coreRestrictedModules = ['net', 'tls', 'http', 'https', 'http2', 'dgram', 'child_process', 'timers', 'timers/promises', 'worker_threads', 'fs', 'fs/promises'];

export default [
  { ignores: ['**/dist/**', '**/node_modules/**', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser, ecmaVersion: 2022, sourceType: 'module' },
    plugins: { '@nx': nx, '@typescript-eslint': tseslint.plugin },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          allowCircularSelfDependency: false,
          depConstraints: [
            { sourceTag: 'type:common', onlyDependOnLibsWithTags: [] },
            { sourceTag: 'type:core', onlyDependOnLibsWithTags: ['type:core', 'type:common'] },
            { sourceTag: 'type:runtime', onlyDependOnLibsWithTags: ['type:runtime', 'type:core', 'type:common', 'type:testing'] },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:app', 'type:runtime', 'type:core', 'type:common', 'type:testing'] },
            { sourceTag: 'type:tool', onlyDependOnLibsWithTags: ['type:runtime', 'type:core', 'type:common'] },
            // Test support (spawning the built server): depends on nothing; only tests may use it (below).
            { sourceTag: 'type:testing', onlyDependOnLibsWithTags: [] },
            // Connectors (FileStream, JDBC, PostgreSQL CDC, Elasticsearch) see only the plugin contracts.
            { sourceTag: 'scope:connector', onlyDependOnLibsWithTags: ['scope:connect-api', 'type:testing'] },
          ],
        },
      ],
      '@typescript-eslint/no-floating-promises': 'off',
    },
  },
  {
    // @nagare/testing is for tests and benchmarks only, never product code.
    files: ['packages/*/src/**/*.ts', 'apps/*/src/**/*.ts'],
    ignores: ['**/*.spec.ts', '**/*.bench.ts', '**/src/testing/**', 'apps/e2e/**', 'packages/testing/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: '@nagare/testing', message: 'Test support: only *.spec.ts, *.bench.ts and src/testing/ may import it.' }] }],
    },
  },
  {
    // Core packages: no sockets, timers, child processes or direct file I/O, no wall clock.
    // The real file system adapter of the storage engine is the single, named exception.
    files: ['packages/{common,protocol,records,storage,metadata,raft}/src/**/*.ts'],
    ignores: ['**/*.spec.ts', '**/*.bench.ts', '**/src/testing/**', '**/src/fuzz/**', 'packages/storage/src/fs/node-fs.ts', 'packages/common/src/system-clock.ts', 'packages/common/src/system-scheduler.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: coreRestrictedModules.flatMap((m) => [
            { name: m, message: 'Core packages do no socket, timer or file I/O: inject it.' },
            { name: `node:${m}`, message: 'Core packages do no socket, timer or file I/O: inject it.' },
          ]),
        },
      ],
      'no-restricted-globals': [
        'error',
        { name: 'setTimeout', message: 'Inject a clock/scheduler.' },
        { name: 'setInterval', message: 'Inject a clock/scheduler.' },
        { name: 'setImmediate', message: 'Inject a clock/scheduler.' },
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'Inject a Clock.' },
        { object: 'performance', property: 'now', message: 'Inject a Clock.' },
      ],
    },
  },
];
