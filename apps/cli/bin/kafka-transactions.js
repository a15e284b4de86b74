#!/usr/bin/env node
// kafka-transactions: the same as `nagare transactions`.
require('./run')(['transactions', ...process.argv.slice(2)]);
