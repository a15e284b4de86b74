#!/usr/bin/env node
// kafka-server-start [server.properties] [--override key=value ...]: the same as
// `nagare server --config server.properties --override key=value ...`.
require('./run')(['kafka-server-start', ...process.argv.slice(2)]);
