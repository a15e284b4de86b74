#!/usr/bin/env node
// kafka-get-offsets: the same as `nagare get-offsets`.
require('./run')(['get-offsets', ...process.argv.slice(2)]);
