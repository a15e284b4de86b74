#!/usr/bin/env node
// Makes sure the programs the interop tests drive are on this machine:
// kcat and librdkafka (Debian), python3-confluent-kafka (Debian), and the
// PostgreSQL 15 server binaries. As root with apt-get it installs what is
// missing; otherwise it stops with one line saying what to install.
const { execSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');

const checks = [
  { pkg: 'kcat', ok: () => has('kcat') },
  { pkg: 'librdkafka-dev', ok: () => fs.existsSync('/usr/include/librdkafka/rdkafka.h') },
  { pkg: 'python3-confluent-kafka', ok: () => spawnSync('/usr/bin/python3', ['-c', 'import confluent_kafka'], { stdio: 'ignore' }).status === 0 },
];

function has(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function main() {
  const missing = checks.filter((c) => !c.ok()).map((c) => c.pkg);
  if (missing.length === 0) return;
  const isRoot = process.getuid && process.getuid() === 0;
  if (!isRoot || !has('apt-get')) {
    console.error(`tests need Debian packages: run 'sudo apt-get update && sudo apt-get install -y ${missing.join(' ')}'`);
    process.exit(1);
  }
  console.log(`installing ${missing.join(', ')} with apt-get ...`);
  execSync('apt-get update -qq', { stdio: 'inherit' });
  execSync(`DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${missing.join(' ')}`, { stdio: 'inherit' });
  const still = checks.filter((c) => !c.ok()).map((c) => c.pkg);
  if (still.length > 0) {
    console.error(`still missing after apt-get: ${still.join(', ')}`);
    process.exit(1);
  }
}

main();
