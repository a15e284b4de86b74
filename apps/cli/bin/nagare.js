#!/usr/bin/env node
require('../dist/main.js')
  .main(process.argv.slice(2))
  .then((code) => process.exit(code), (e) => {
    console.error(e);
    process.exit(1);
  });
