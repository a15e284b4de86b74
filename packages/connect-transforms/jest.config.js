module.exports = { ...require('../../jest.preset.js'), displayName: 'connect-transforms', rootDir: __dirname };
