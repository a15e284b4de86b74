module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'e2e',
  rootDir: __dirname,
  // Each suite starts real server processes; run suites one at a time.
  maxWorkers: 1,
  testTimeout: 120000,
};
