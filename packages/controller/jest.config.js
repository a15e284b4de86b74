module.exports = { ...require('../../jest.preset.js'), displayName: 'controller', rootDir: __dirname };
