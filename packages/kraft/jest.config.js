// Real sockets, disks and timers: generous timeouts for a loaded machine.
module.exports = { ...require('../../jest.preset.js'), displayName: 'kraft', rootDir: __dirname, testTimeout: 60000 };
