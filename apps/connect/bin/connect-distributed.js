#!/usr/bin/env node
// `connect-distributed <worker.properties>`: a Kafka Connect worker in a distributed cluster.
let main;
try {
  main = require('../dist/distributed.js').main;
} catch (e) {
  if (e && e.code === 'MODULE_NOT_FOUND' && /dist[\\/]distributed\.js/.test(String(e.message))) {
    process.stderr.write('connect-distributed: not built (apps/connect/dist is missing); run `npm run build` at the repository root.\n');
    process.exit(1);
  }
  throw e;
}
main(process.argv.slice(2)).then(
  (code) => process.stdout.write('', () => process.exit(code)),
  (e) => {
    process.stderr.write(`connect-distributed: unexpected error: ${(e && e.stack) || e}\n`);
    process.exit(1);
  },
);
