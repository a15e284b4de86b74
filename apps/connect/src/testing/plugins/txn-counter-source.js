// A test source connector for exactly-once support (KIP-618), loaded through plugin.path: one task
// counting 1, 2, 3, ... into `topic` as "<connector>-<n>" with source partition {"connector"} and
// offset {"n"}. It says it supports exactly-once semantics and, with `commit.every` set, defines its
// own transaction boundaries: a commit after every record n with n % commit.every == 0, an abort
// instead when n % abort.every == 0 (those transactions' records must never be visible).
'use strict';
const { ConfigDef, ConfigType, Importance, Schemas, SourceConnector, SourceRecord, SourceTask } = require('@nagare/connect-api');

const CONFIG = new ConfigDef()
  .define('topic', ConfigType.STRING, ConfigDef.NO_DEFAULT_VALUE, Importance.HIGH, 'Topic to write to')
  .define('records.per.poll', ConfigType.INT, 10, Importance.LOW, 'Records per poll')
  .define('poll.interval.ms', ConfigType.INT, 20, Importance.LOW, 'Time between polls')
  .define('commit.every', ConfigType.INT, 0, Importance.LOW, 'Connector-defined boundaries: commit after every n-th record (0: none)')
  .define('abort.every', ConfigType.INT, 0, Importance.LOW, 'Connector-defined boundaries: abort after every n-th record (0: none)');

class TxnCounterSourceTask extends SourceTask {
  version() {
    return '1.0.0';
  }
  async start(props) {
    this.props = props;
    this.partition = { connector: props.connector };
    const last = await this.context.offsetStorageReader().offset(this.partition);
    this.n = last ? Number(last.n) : 0;
    this.txn = this.context.transactionContext ? this.context.transactionContext() : null;
    this.stopped = false;
  }
  async poll() {
    await new Promise((r) => {
      this.wake = r;
      this.timer = setTimeout(r, Number(this.props['poll.interval.ms'] || 20));
    });
    if (this.stopped) return null;
    const commitEvery = Number(this.props['commit.every'] || 0);
    const abortEvery = Number(this.props['abort.every'] || 0);
    const out = [];
    for (let i = 0; i < Number(this.props['records.per.poll'] || 10); i++) {
      this.n++;
      const r = new SourceRecord(this.partition, { n: this.n }, this.props.topic, 0, null, null, Schemas.STRING_SCHEMA, `${this.props.connector}-${this.n}`);
      if (this.txn && abortEvery > 0 && this.n % abortEvery === 0) this.txn.abortTransaction(r);
      else if (this.txn && commitEvery > 0 && this.n % commitEvery === 0) this.txn.commitTransaction(r);
      out.push(r);
    }
    return out;
  }
  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.wake) this.wake();
  }
}
TxnCounterSourceTask.className = 'com.example.TxnCounterSourceTask';

class TxnCounterSourceConnector extends SourceConnector {
  version() {
    return '1.0.0';
  }
  start(props) {
    this.props = props;
  }
  taskClass() {
    return TxnCounterSourceTask;
  }
  taskConfigs() {
    return [{ ...this.props, connector: this.props.name }];
  }
  stop() {}
  config() {
    return CONFIG;
  }
  exactlyOnceSupport() {
    return 'SUPPORTED';
  }
  canDefineTransactionBoundaries(props) {
    return Number(props['commit.every'] || 0) > 0 ? 'SUPPORTED' : 'UNSUPPORTED';
  }
}
TxnCounterSourceConnector.className = 'com.example.TxnCounterSourceConnector';

module.exports = { TxnCounterSourceConnector, TxnCounterSourceTask };
