module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'cli',
  rootDir: __dirname,
  // Every test runs the CLI (and most a server) as child processes: sized for a loaded two-core machine.
  testTimeout: 90000,
};
