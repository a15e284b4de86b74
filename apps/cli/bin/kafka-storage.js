#!/usr/bin/env node
// kafka-storage: the same as `nagare storage`.
require('./run')(['storage', ...process.argv.slice(2)]);
