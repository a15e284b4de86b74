#!/usr/bin/env node
// `connect-standalone <worker.properties> [<connector.properties|.json> ...]`: Kafka Connect in standalone mode.
let main;
try {
  main = require('../dist/standalone.js').main;
} catch (e) {
  if (e && e.code === 'MODULE_NOT_FOUND' && /dist[\\/]standalone\.js/.test(String(e.message))) {
    process.stderr.write('connect-standalone: not built (apps/connect/dist is missing); run `npm run build` at the repository root.\n');
    process.exit(1);
  }
  throw e;
}
main(process.argv.slice(2)).then(
  (code) => process.stdout.write('', () => process.exit(code)),
  (e) => {
    process.stderr.write(`connect-standalone: unexpected error: ${(e && e.stack) || e}\n`);
    process.exit(1);
  },
);
