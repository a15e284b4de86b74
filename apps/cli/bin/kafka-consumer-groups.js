#!/usr/bin/env node
// kafka-consumer-groups: the same as `nagare consumer-groups`.
require('./run')(['consumer-groups', ...process.argv.slice(2)]);
