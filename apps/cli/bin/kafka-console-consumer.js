#!/usr/bin/env node
// kafka-console-consumer: the same as `nagare console-consumer`.
require('./run')(['console-consumer', ...process.argv.slice(2)]);
