#!/usr/bin/env node
// `npm run fuzz [-- <iterations> <seed>]`: the long protocol fuzz run.
require('./ts-register');
const iterations = Number(process.argv[2] ?? 5_000_000);
const seed = Number(process.argv[3] ?? Date.now() % 2 ** 31);
const { runFuzz } = require('../../packages/protocol/src/fuzz/fuzz.ts');
const result = runFuzz({ iterations, seed, log: (s) => console.log(s) });
console.log(JSON.stringify(result));
process.exit(result.crashes.length === 0 ? 0 : 1);
