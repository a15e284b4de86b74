#!/usr/bin/env node
// `npm run sim [-- --seed N] [--seeds COUNT] [--voters 3] [--observers 1] [--chaos-ms 1500] [--no-pre-vote] [--dynamic] [--unsafe NAME]`:
// the long deterministic simulation of the KRaft core (packages/raft). With --seed it replays one run.
require('./ts-register');
const { runSimulation } = require('../../packages/raft/src/sim/simulation.ts');
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const unsafe = {};
args.forEach((a, i) => { if (a === '--unsafe') unsafe[args[i + 1]] = true; });
const base = {
  voters: Number(opt('--voters', 3)),
  observers: Number(opt('--observers', 1)),
  ...(opt('--chaos-ms') !== undefined ? { chaosMs: Number(opt('--chaos-ms')) } : {}),
  ...(args.includes('--no-pre-vote') ? { preVote: false } : {}),
  ...(args.includes('--dynamic') ? { dynamic: true } : {}),
  ...(Object.keys(unsafe).length > 0 ? { unsafe } : {}),
};
const single = opt('--seed');
const first = single !== undefined ? Number(single) : Number(opt('--from', Date.now() % 1_000_000));
const count = single !== undefined ? 1 : Number(opt('--seeds', 20_000));
let failed = 0;
const t0 = Date.now();
for (let seed = first; seed < first + count; seed++) {
  const r = runSimulation({ ...base, seed });
  if (single !== undefined) console.log(JSON.stringify(r.stats));
  if (!r.ok) {
    failed++;
    console.log(`FAIL: ${r.replay}\n${r.error}`);
    if (failed >= 5) break;
  }
  if (single === undefined && (seed - first + 1) % 1000 === 0) console.log(`${seed - first + 1} seeds, ${failed} failed, ${Date.now() - t0} ms`);
}
console.log(`${failed === 0 ? 'ok' : 'FAILED'}: seeds ${first}..${first + count - 1}, voters ${base.voters}, observers ${base.observers}`);
process.exit(failed === 0 ? 0 : 1);
