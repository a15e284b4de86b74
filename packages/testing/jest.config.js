module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'testing',
  rootDir: __dirname,
  // Tests start and stop the built server as a child process: sized for a loaded two-core machine.
  testTimeout: 60000,
};
