#!/usr/bin/env node
// `npm run bench`: runs every `*.bench.ts` under packages/ and apps/ (or those
// whose path contains one of the arguments), prints each figure against its
// target, and writes them to docs/benchmarks.md with the machine and command.
//
// A bench module exports `run(ctx)`, returning (or resolving to) an array of
// { name, value, unit, target?, better?: 'higher'|'lower', note? }.
require('./ts-register');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execSync } = require('node:child_process');

const root = path.resolve(__dirname, '../..');

function findBenches(dir, out = []) {
  if (!fs.existsSync(dir)) return out;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    if (e.name === 'node_modules' || e.name === 'dist') continue;
    const p = path.join(dir, e.name);
    if (e.isDirectory()) findBenches(p, out);
    else if (e.name.endsWith('.bench.ts')) out.push(p);
  }
  return out;
}

function machine() {
  const cpus = os.cpus();
  let disk = '';
  try {
    disk = execSync(`df -h ${root} | tail -1`, { encoding: 'utf8' }).trim();
  } catch {}
  return {
    cpu: `${cpus[0]?.model ?? 'unknown'} x ${cpus.length}`,
    memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    disk,
  };
}

function verdict(r) {
  if (r.target === undefined) return '';
  const ok = r.better === 'lower' ? r.value <= r.target : r.value >= r.target;
  return ok ? 'met' : 'MISSED';
}

function fmt(v) {
  if (typeof v !== 'number') return String(v);
  if (Math.abs(v) >= 100) return Math.round(v).toLocaleString('en-US');
  return v.toPrecision(3);
}

async function main() {
  const filters = process.argv.slice(2);
  const files = [...findBenches(path.join(root, 'packages')), ...findBenches(path.join(root, 'apps'))]
    .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
    .sort();
  if (files.length === 0) {
    console.error(`no *.bench.ts matches ${filters.map((f) => JSON.stringify(f)).join(' or ')}; docs/benchmarks.md left as it is`);
    process.exit(1);
  }
  const sections = [];
  for (const file of files) {
    const rel = path.relative(root, file);
    process.stdout.write(`\n== ${rel}\n`);
    const mod = require(file);
    const results = await mod.run({ root, log: (s) => process.stdout.write(`   ${s}\n`) });
    for (const r of results) {
      const target = r.target === undefined ? '' : ` (target ${r.better === 'lower' ? '<=' : '>='} ${fmt(r.target)})`;
      process.stdout.write(`   ${r.name}: ${fmt(r.value)} ${r.unit}${target} ${verdict(r)}${r.note ? ' - ' + r.note : ''}\n`);
    }
    sections.push({ rel, results });
  }
  const m = machine();
  const out = path.join(root, 'docs/benchmarks.md');
  const previous = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '';
  // Each bench file owns one section; re-running a subset keeps the others.
  const kept = new Map();
  for (const block of previous.split(/\n(?=## )/).slice(1)) {
    const title = block.split('\n')[0].slice(3).trim();
    kept.set(title, block.trimEnd());
  }
  const date = new Date().toISOString().slice(0, 10);
  for (const s of sections) {
    const lines = [`## ${s.rel}`, '', `Measured ${date} with \`npm run bench -- ${path.basename(s.rel, '.bench.ts')}\`.`, '', '| figure | value | unit | target | |', '|---|---:|---|---|---|'];
    for (const r of s.results) {
      const target = r.target === undefined ? '' : `${r.better === 'lower' ? '<=' : '>='} ${fmt(r.target)}`;
      lines.push(`| ${r.name} | ${fmt(r.value)} | ${r.unit} | ${target} | ${verdict(r)}${r.note ? ' ' + r.note : ''} |`);
    }
    kept.set(s.rel, lines.join('\n'));
  }
  const head = [
    '# Benchmarks',
    '',
    'Written by `npm run bench` (tools/scripts/bench.js); each section is replaced when its bench runs again.',
    '',
    `Machine of the latest run: ${m.cpu}, ${m.memory}, ${m.os}, Node ${m.node}.`,
    m.disk ? `Disk: \`${m.disk}\`.` : '',
    '',
  ].join('\n');
  const body = [...kept.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, b]) => b).join('\n\n');
  fs.writeFileSync(out, head + '\n' + body + '\n');
  process.stdout.write(`\nwrote ${path.relative(root, out)}\n`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
