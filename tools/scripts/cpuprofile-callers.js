#!/usr/bin/env node
// Prints the call stacks (with sample time) that lead to a function in a V8 .cpuprofile.
// usage: node tools/scripts/cpuprofile-callers.js <file.cpuprofile> <functionName> [depth]
const fs = require('node:fs');
const p = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const name = process.argv[3];
const depth = Number(process.argv[4] ?? 6);
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const time = new Map();
p.samples.forEach((s, i) => time.set(s, (time.get(s) ?? 0) + (p.timeDeltas[i] ?? 0)));
const stacks = new Map();
for (const n of p.nodes) {
  if (n.callFrame.functionName !== name) continue;
  const t = time.get(n.id) ?? 0;
  if (t === 0) continue;
  const chain = [];
  let id = parent.get(n.id);
  while (id !== undefined && chain.length < depth) {
    const f = byId.get(id).callFrame;
    chain.push(`${f.functionName || '(anon)'}@${f.url.split('/').slice(-2).join('/')}:${f.lineNumber + 1}`);
    id = parent.get(id);
  }
  const k = chain.join(' < ');
  stacks.set(k, (stacks.get(k) ?? 0) + t);
}
for (const [k, t] of [...stacks].sort((a, b) => b[1] - a[1]).slice(0, 10)) console.log(`${(t / 1000).toFixed(0).padStart(6)} ms  ${k}`);
