#!/usr/bin/env node
// kafka-console-producer: the same as `nagare console-producer`.
require('./run')(['console-producer', ...process.argv.slice(2)]);
