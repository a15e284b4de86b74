#!/usr/bin/env node
// kafka-producer-perf-test: the same as `nagare producer-perf-test`.
require('./run')(['producer-perf-test', ...process.argv.slice(2)]);
