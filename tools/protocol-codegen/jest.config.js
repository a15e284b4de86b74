module.exports = { ...require('../../jest.preset.js'), displayName: 'protocol-codegen', rootDir: __dirname };
