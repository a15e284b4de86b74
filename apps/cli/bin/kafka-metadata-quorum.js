#!/usr/bin/env node
// kafka-metadata-quorum: the same as `nagare metadata-quorum`.
require('./run')(['metadata-quorum', ...process.argv.slice(2)]);
