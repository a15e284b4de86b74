#!/usr/bin/env node
// kafka-consumer-perf-test: the same as `nagare consumer-perf-test`.
require('./run')(['consumer-perf-test', ...process.argv.slice(2)]);
