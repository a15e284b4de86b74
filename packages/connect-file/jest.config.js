module.exports = { ...require('../../jest.preset.js'), displayName: 'connect-file', rootDir: __dirname };
