#!/usr/bin/env node
// kafka-leader-election: the same as `nagare leader-election`.
require('./run')(['leader-election', ...process.argv.slice(2)]);
