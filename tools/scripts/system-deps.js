#!/usr/bin/env node
// Makes sure the programs the interop tests drive are on this machine:
// kcat and librdkafka (Debian), python3-confluent-kafka with what its schema
// registry serializers import (Debian), yamllint (Debian, for docker/*.yml),
// and, when ../shared/java-client (Apache Kafka's Java client and tools) is
// beside the repository, a JDK and the Debian jars those tools run with. As root with
// apt-get it installs what is missing; otherwise it stops with one line
// saying what to install.
const { execSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '../..');
const javaClient = path.join(root, '../shared/java-client');
const JARS = '/usr/share/java';

const checks = [
  { pkg: 'kcat', ok: () => has('kcat') },
  { pkg: 'librdkafka-dev', ok: () => fs.existsSync('/usr/include/librdkafka/rdkafka.h') },
  { pkg: 'python3-confluent-kafka', ok: () => spawnSync('/usr/bin/python3', ['-c', 'import confluent_kafka'], { stdio: 'ignore' }).status === 0 },
  // confluent_kafka.schema_registry's client, JSON and Protobuf serializers, and the
  // legacy confluent_kafka.avro API (the new Avro serializer needs fastavro, not in Debian).
  ...[
    ['python3-requests', 'requests'],
    ['python3-jsonschema', 'jsonschema'],
    ['python3-protobuf', 'google.protobuf'],
    ['python3-avro', 'avro'],
  ].map(([pkg, mod]) => ({ pkg, ok: () => spawnSync('/usr/bin/python3', ['-c', `import ${mod}`], { stdio: 'ignore' }).status === 0 })),
  // docker/*.yml are linted by apps/server/src/docker.spec.ts
  { pkg: 'yamllint', ok: () => has('yamllint') },
];

// What ../shared/java-client/bin/kafka-run-class.sh puts on the class path
// (see ../shared/java-client/README.md), and javac for the e2e suite's own
// Java programs (apps/e2e/src/java).
if (fs.existsSync(javaClient)) {
  const jar = (pkg, ...files) => ({ pkg, ok: () => files.every((f) => fs.existsSync(path.join(JARS, f))) });
  checks.push(
    { pkg: 'default-jre-headless', ok: () => has('java') },
    { pkg: 'default-jdk-headless', ok: () => has('javac') },
    jar('libslf4j-java', 'slf4j-api.jar', 'slf4j-simple.jar'),
    jar('libzstd-jni-java', 'zstd-jni.jar'),
    jar('liblz4-java', 'lz4-java.jar'),
    jar('libsnappy-java', 'snappy-java.jar'),
    jar('libjackson2-core-java', 'jackson-core.jar'),
    jar('libjackson2-databind-java', 'jackson-databind.jar'),
    jar('libjackson2-annotations-java', 'jackson-annotations.jar'),
    jar('libargparse4j-java', 'argparse4j.jar'),
    jar('libjoptsimple-java', 'joptsimple.jar'),
    jar('libprotobuf-java', 'protobuf.jar'),
  );
}

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
  execSync(`DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${missing.join(' ')}`, { stdio: 'inherit' });
  const still = checks.filter((c) => !c.ok()).map((c) => c.pkg);
  if (still.length > 0) {
    console.error(`still missing after apt-get: ${still.join(', ')}`);
    process.exit(1);
  }
}

main();
