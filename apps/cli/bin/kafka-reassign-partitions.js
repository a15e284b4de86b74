#!/usr/bin/env node
// kafka-reassign-partitions: the same as `nagare reassign-partitions`.
require('./run')(['reassign-partitions', ...process.argv.slice(2)]);
