module.exports = { ...require('../../jest.preset.js'), displayName: 'schema-registry-app', rootDir: __dirname, testTimeout: 180000 };
