module.exports = { ...require('../../jest.preset.js'), displayName: 'connect-postgres-cdc', rootDir: __dirname };
