module.exports = { ...require('../../jest.preset.js'), displayName: 'connect-jdbc', rootDir: __dirname };
