#!/usr/bin/env node
// kafka-delete-records: the same as `nagare delete-records`.
require('./run')(['delete-records', ...process.argv.slice(2)]);
