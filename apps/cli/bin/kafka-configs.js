#!/usr/bin/env node
// kafka-configs: the same as `nagare configs`.
require('./run')(['configs', ...process.argv.slice(2)]);
