// A test source connector loaded through plugin.path (as a user's plugin is): `tasks.max` tasks,
// each counting 1, 2, 3, ... into `topic` as "<connector>-<task>-<n>" records with source
// partition {"connector","task"} and offset {"n"}, resuming after the last committed n.
// Every task start appends "<connector>-<task>" to `starts.file` (tests count restarts).
'use strict';
const { appendFileSync } = require('node:fs');
const { ConfigDef, ConfigType, Importance, Schemas, SourceConnector, SourceRecord, SourceTask } = require('@nagare/connect-api');

const CONFIG = new ConfigDef()
  .define('topic', ConfigType.STRING, ConfigDef.NO_DEFAULT_VALUE, Importance.HIGH, 'Topic to write to')
  .define('records.per.poll', ConfigType.INT, 10, Importance.LOW, 'Records per poll')
  .define('poll.interval.ms', ConfigType.INT, 100, Importance.LOW, 'Time between polls')
  .define('starts.file', ConfigType.STRING, '', Importance.LOW, 'File to append task starts to');

class CounterSourceTask extends SourceTask {
  version() {
    return '1.0.0';
  }
  async start(props) {
    this.props = props;
    this.connector = props.connector;
    this.task = Number(props.task);
    this.stopped = false;
    this.partition = { connector: this.connector, task: this.task };
    const last = await this.context.offsetStorageReader().offset(this.partition);
    this.n = last ? Number(last.n) : 0;
    if (props['starts.file']) appendFileSync(props['starts.file'], `${this.connector}-${this.task} from ${this.n}\n`);
  }
  async poll() {
    await new Promise((r) => {
      this.wake = r;
      this.timer = setTimeout(r, Number(this.props['poll.interval.ms'] || 100));
    });
    if (this.stopped) return null;
    const out = [];
    for (let i = 0; i < Number(this.props['records.per.poll'] || 10); i++) {
      this.n++;
      out.push(new SourceRecord(this.partition, { n: this.n }, this.props.topic, null, null, null, Schemas.STRING_SCHEMA, `${this.connector}-${this.task}-${this.n}`));
    }
    return out;
  }
  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.wake) this.wake();
  }
}
CounterSourceTask.className = 'com.example.CounterSourceTask';

class CounterSourceConnector extends SourceConnector {
  version() {
    return '1.0.0';
  }
  start(props) {
    this.props = props;
  }
  taskClass() {
    return CounterSourceTask;
  }
  taskConfigs(maxTasks) {
    return Array.from({ length: maxTasks }, (_v, task) => ({ ...this.props, connector: this.props.name, task: String(task) }));
  }
  stop() {}
  config() {
    return CONFIG;
  }
  alterOffsets() {
    return true;
  }
}
CounterSourceConnector.className = 'com.example.CounterSourceConnector';

module.exports = { CounterSourceConnector, CounterSourceTask };
