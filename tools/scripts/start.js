#!/usr/bin/env node
// `npm start`: a single-node server on localhost:9092 with data under ./data,
// and a Schema Registry on http://localhost:8081.
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '../..');
const main = path.join(root, 'apps/cli/dist/main.js');
if (!fs.existsSync(main)) {
  console.error('nagare: server not built yet (apps/cli/dist/main.js is missing); run `npm ci` (which builds) or `npm run build`.');
  process.exit(1);
}
require(main)
  .main(['server', ...process.argv.slice(2)])
  .then((code) => process.exit(code));

// The Schema Registry on :8081 against this broker (its PLAINTEXT listener from
// `--override listeners=...`, else localhost:9092); NAGARE_SCHEMA_REGISTRY=false leaves it out.
const registry = path.join(root, 'apps/schema-registry/dist/main.js');
if (process.env.NAGARE_SCHEMA_REGISTRY !== 'false' && fs.existsSync(registry)) {
  const argv = process.argv.slice(2);
  const listeners = argv.map((a, i) => (argv[i - 1] === '--override' ? a : a.startsWith('--override=') ? a.slice(11) : '')).find((a) => a.startsWith('listeners='));
  const m = /PLAINTEXT:\/\/([^:,]*):(\d+)/.exec(listeners ?? '');
  require(registry)
    .startEmbedded({ bootstrapServers: m ? `${m[1] || 'localhost'}:${m[2]}` : 'localhost:9092' })
    .catch((e) => console.error(`nagare: the schema registry did not start (the broker keeps running): ${e.message}`));
}
