// Shared by the bin scripts: runs the built CLI (dist/main.js) with `argv`
// and exits with its status. Expected errors are printed by the CLI itself;
// anything reaching here is a bug, shown with its stack.
module.exports = function run(argv) {
  let main;
  try {
    main = require('../dist/main.js').main;
  } catch (e) {
    if (e && e.code === 'MODULE_NOT_FOUND' && /dist[\\/]main\.js/.test(String(e.message))) {
      process.stderr.write('nagare: the CLI is not built (apps/cli/dist/main.js is missing); run `npm ci` or `npm run build` at the repository root.\n');
      process.exit(1);
    }
    throw e;
  }
  main(argv).then(
    (code) => {
      // Let stdout drain (pipes to slow readers) before exiting.
      process.stdout.write('', () => process.exit(code));
    },
    (e) => {
      process.stderr.write(`nagare: unexpected error: ${(e && e.stack) || e}\n`);
      process.exit(1);
    },
  );
};
