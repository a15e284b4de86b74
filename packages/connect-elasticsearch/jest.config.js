module.exports = { ...require('../../jest.preset.js'), displayName: 'connect-elasticsearch', rootDir: __dirname };
