#!/usr/bin/env node
// `nagare <command> ...`: the server, storage and the Kafka-compatible tools.
require('./run')(process.argv.slice(2));
