#!/usr/bin/env node
// `npm run chaos -- --minutes N [--seed S] [--partitions P] [--faults kill-leader,pause,...] [--keep-dirs]`:
// the Jepsen-style run of issue 12 (apps/e2e/src/chaos): a 3-node cluster, RF=3 min.insync.replicas=2,
// idempotent acks=all producers and a consumer group under a seeded random schedule of faults, then a
// check of the whole history (acknowledged records lost, duplicates, reordering, committed offsets
// going backwards, recovery). Prints the figures, and on failure the seed and the history lines that
// show each anomaly; exits 1 then. Needs the build (npm ci / npx tsc -b tsconfig.build.json).
require('./ts-register');
const { runChaos, ALL_FAULTS } = require('../../apps/e2e/src/chaos/runner.ts');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const minutes = Number(opt('--minutes', 2));
const seed = Number(opt('--seed', Date.now() % 1_000_000));
const faults = opt('--faults') !== undefined ? opt('--faults').split(',').filter(Boolean) : ALL_FAULTS;
for (const f of faults) {
  if (!ALL_FAULTS.includes(f)) {
    console.error(`unknown fault ${f}: use one or more of ${ALL_FAULTS.join(', ')}`);
    process.exit(2);
  }
}
if (!(minutes > 0) || !Number.isInteger(seed)) {
  console.error('usage: npm run chaos -- --minutes N [--seed S] [--partitions P] [--faults a,b] [--keep-dirs]');
  process.exit(2);
}
const t0 = Date.now();
runChaos({
  seed,
  durationMs: minutes * 60_000,
  partitions: Number(opt('--partitions', 3)),
  faults,
  keepDirs: args.includes('--keep-dirs'),
  log: (l) => console.log(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(5)} s] ${l}`),
}).then(
  (r) => {
    console.log(r.report);
    if (r.dataDir) console.log(`data directories kept in ${r.dataDir}`);
    if (!r.result.ok) console.log(`FAILED: seed ${r.seed}; run it again with: ${r.replay}`);
    process.exit(r.result.ok ? 0 : 1);
  },
  (e) => {
    console.error(`chaos run (seed ${seed}) could not run: ${(e && e.stack) || e}`);
    process.exit(2);
  },
);
