// A test sink connector that is exactly-once the way Kafka Connect sinks are (there is no exactly-once
// mode for sinks in the runtime): it keeps the consumed offsets in its destination, atomically with the
// data (each line of `file` is "<topic>\t<partition>\t<offset>\t<value>"), tells the framework to commit
// nothing (preCommit returns an empty map) and, when partitions are assigned, rewinds the consumer to
// the offset after the last one in the file (SinkTaskContext.offset). A crash loses nothing and writes
// nothing twice.
'use strict';
const { closeSync, existsSync, fsyncSync, openSync, readFileSync, truncateSync, writeSync } = require('node:fs');
const { ConfigDef, ConfigType, Importance, SinkConnector, SinkTask } = require('@nagare/connect-api');

const CONFIG = new ConfigDef().define('file', ConfigType.STRING, ConfigDef.NO_DEFAULT_VALUE, Importance.HIGH, 'Destination file');

class OffsetFileSinkTask extends SinkTask {
  version() {
    return '1.0.0';
  }
  start(props) {
    this.file = props.file;
    if (existsSync(this.file)) {
      // a line torn by a crash is not data
      const text = readFileSync(this.file, 'utf8');
      const end = text.lastIndexOf('\n') + 1;
      if (end < Buffer.byteLength(text)) truncateSync(this.file, Buffer.byteLength(text.slice(0, end)));
    }
    this.fd = openSync(this.file, 'a');
  }
  open(partitions) {
    const next = new Map();
    if (existsSync(this.file)) {
      for (const l of readFileSync(this.file, 'utf8').split('\n')) {
        if (l === '') continue;
        const [t, p, o] = l.split('\t');
        next.set(`${t}\u0000${p}`, Number(o) + 1);
      }
    }
    for (const tp of partitions) {
      const n = next.get(`${tp.topic}\u0000${tp.partition}`);
      if (n !== undefined) this.context.offset(tp, n);
    }
  }
  put(records) {
    if (records.length === 0) return;
    writeSync(this.fd, records.map((r) => `${r.topic()}\t${r.kafkaPartition()}\t${r.kafkaOffset()}\t${r.value()}\n`).join(''));
  }
  flush() {
    fsyncSync(this.fd);
  }
  async preCommit(currentOffsets) {
    await this.flush(currentOffsets);
    return new Map();
  }
  stop() {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
OffsetFileSinkTask.className = 'com.example.OffsetFileSinkTask';

class OffsetFileSinkConnector extends SinkConnector {
  version() {
    return '1.0.0';
  }
  start(props) {
    this.props = props;
  }
  taskClass() {
    return OffsetFileSinkTask;
  }
  taskConfigs() {
    return [{ file: this.props.file }];
  }
  stop() {}
  config() {
    return CONFIG;
  }
}
OffsetFileSinkConnector.className = 'com.example.OffsetFileSinkConnector';

module.exports = { OffsetFileSinkConnector, OffsetFileSinkTask };
