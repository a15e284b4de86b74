#!/usr/bin/env node
// `npm start`: a single-node server on localhost:9092 with data under ./data.
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
