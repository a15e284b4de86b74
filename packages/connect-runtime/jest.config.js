module.exports = { ...require('../../jest.preset.js'), displayName: 'connect-runtime', rootDir: __dirname };
