#!/usr/bin/env node
// `schema-registry-start schema-registry.properties`: Confluent-compatible Schema Registry.
let main;
try {
  main = require('../dist/main.js').main;
} catch (e) {
  if (e && e.code === 'MODULE_NOT_FOUND' && /dist[\\/]main\.js/.test(String(e.message))) {
    process.stderr.write('schema-registry-start: not built (apps/schema-registry/dist is missing); run `npm run build` at the repository root.\n');
    process.exit(1);
  }
  throw e;
}
main(process.argv.slice(2)).then(
  (code) => process.stdout.write('', () => process.exit(code)),
  (e) => {
    process.stderr.write(`schema-registry-start: unexpected error: ${(e && e.stack) || e}\n`);
    process.exit(1);
  },
);
