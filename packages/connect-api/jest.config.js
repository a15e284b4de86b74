module.exports = { ...require('../../jest.preset.js'), displayName: 'connect-api', rootDir: __dirname };
