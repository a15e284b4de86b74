#!/usr/bin/env node
// `npm test`: every check CI runs, in order: system programs the interop
// tests need, a type check of the whole workspace, a build (end-to-end tests
// start the built server), lint (module boundaries), then every project's
// tests through nx. Extra arguments go to nx (e.g. `npm test -- --projects=@nagare/records`).
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '../..');
const extra = process.argv.slice(2);

function step(name, cmd, args) {
  const started = Date.now();
  console.log(`\n>>> ${name}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' } });
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  if (r.status !== 0) {
    console.error(`\n<<< ${name} failed after ${secs}s`);
    process.exit(r.status ?? 1);
  }
  console.log(`<<< ${name} ok in ${secs}s`);
}

step('system programs', 'node', ['tools/scripts/system-deps.js']);
step('typecheck', 'npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']);
step('build', 'npx', ['tsc', '-b', 'tsconfig.build.json']);
if (extra.length === 0) {
  step('lint + test', 'npx', ['nx', 'run-many', '-t', 'lint', 'test', '--outputStyle=stream', '--skipNxCache']);
} else {
  step('lint + test', 'npx', ['nx', 'run-many', '-t', 'lint', 'test', '--outputStyle=stream', '--skipNxCache', ...extra]);
}
