module.exports = { ...require('../../jest.preset.js'), displayName: 'serdes', rootDir: __dirname };
