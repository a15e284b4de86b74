module.exports = {
  ...require('../../jest.preset.js'),
  displayName: 'client',
  rootDir: __dirname,
  // Tests talk to in-process fake brokers and (nagare-server.spec) the built server: sized for a loaded two-core machine.
  testTimeout: 60000,
};
