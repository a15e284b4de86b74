module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'server',
  rootDir: __dirname,
  // Tests start servers (in-process and as child processes): sized for a loaded two-core machine.
  testTimeout: 60000,
};
