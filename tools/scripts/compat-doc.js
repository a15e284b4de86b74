#!/usr/bin/env node
// `npm run docs:compat`: writes docs/compatibility.md from the broker's handler registry.
require('./ts-register');
const fs = require('node:fs');
const path = require('node:path');
const root = path.resolve(__dirname, '../..');
const { allHandlers } = require('../../packages/broker/src/handlers/index.ts');
const { groupHandlers, consumerGroupHandlers } = require('../../packages/broker/src/group/handlers.ts');
const { HandlerRegistry } = require('../../packages/broker/src/handlers/registry.ts');
const { compatibilityMarkdown } = require('../../packages/broker/src/compatibility.ts');
const dir = path.join(root, 'packages/broker/src/handlers');
const sources = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts'))
  .map((f) => ({ file: f, text: fs.readFileSync(path.join(dir, f), 'utf8') }));
const md = compatibilityMarkdown(new HandlerRegistry([...allHandlers, ...groupHandlers, ...consumerGroupHandlers]), sources);
fs.writeFileSync(path.join(root, 'docs/compatibility.md'), md);
console.log('wrote docs/compatibility.md');
