#!/usr/bin/env node
// kafka-topics: the same as `nagare topics`.
require('./run')(['topics', ...process.argv.slice(2)]);
