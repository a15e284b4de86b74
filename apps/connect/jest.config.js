module.exports = { ...require('../../jest.preset.js'), displayName: 'connect-app', rootDir: __dirname, testTimeout: 180000 };
