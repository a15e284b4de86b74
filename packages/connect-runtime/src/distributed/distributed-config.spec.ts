/**
 * `exactly.once.source.support` (KIP-618) as Kafka's DistributedConfig takes
 * it: `ConfigDef.ValidString.in("disabled", "preparing", "enabled")`, so
 * case-sensitive, and what each value turns on.
 */
import { distributedWorkerConfig, exactlyOnceSourceEnabled, taskTransactionalId, transactionalLeaderEnabled, transactionalProducerId } from './distributed-config';

const base = { 'group.id': 'connect-cluster', 'offset.storage.topic': 'o', 'config.storage.topic': 'c', 'status.storage.topic': 's', 'key.converter': 'JsonConverter', 'value.converter': 'JsonConverter' };

describe('exactly.once.source.support', () => {
  it('disabled by default; preparing makes only the leader transactional; enabled both', () => {
    const cases = [undefined, 'disabled', 'preparing', 'enabled', ' enabled '].map((v) => distributedWorkerConfig(v === undefined ? base : { ...base, 'exactly.once.source.support': v }));
    expect(cases.map((c) => c.exactlyOnceSourceSupport)).toEqual(['disabled', 'disabled', 'preparing', 'enabled', 'enabled']);
    expect(cases.map((c) => [exactlyOnceSourceEnabled(c), transactionalLeaderEnabled(c)])).toEqual([
      [false, false],
      [false, false],
      [false, true],
      [true, true],
      [true, true],
    ]);
  });
  it('other values are refused with Kafka\'s message (the values are case-sensitive)', () => {
    expect(() => distributedWorkerConfig({ ...base, 'exactly.once.source.support': 'ENABLED' })).toThrow('Invalid value ENABLED for configuration exactly.once.source.support: String must be one of: disabled, preparing, enabled');
    expect(() => distributedWorkerConfig({ ...base, 'exactly.once.source.support': 'on' })).toThrow('Invalid value on for configuration exactly.once.source.support: String must be one of: disabled, preparing, enabled');
  });
  it('transactional ids: the leader\'s config writer and each task (DistributedConfig.transactionalProducerId, Worker.taskTransactionalId)', () => {
    expect(transactionalProducerId('connect-cluster')).toBe('connect-cluster-connect-cluster');
    expect(taskTransactionalId('connect-cluster', 'local-file-source', 0)).toBe('connect-cluster-local-file-source-0');
  });
});
