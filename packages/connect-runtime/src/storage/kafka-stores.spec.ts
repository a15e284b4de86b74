/**
 * The internal topics' records against golden values written by Jackson the
 * way Kafka's JsonConverter (schemas.enable=false) writes them
 * (distributed/__fixtures__/ConnectGolden.java), and how the config store
 * applies records: task configs only with their commit, inconsistent sets,
 * target states (v1 and v2 fields), deletions and compacted histories.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ConsumerRecord } from '@nagare/client';
import type { Logger } from '@nagare/common';
import { offsetKey } from './offset-storage';
import { ConfigRecords, KafkaConfigBackingStore, type ConfigUpdateListener } from './kafka-config-store';
import { StatusRecords } from './kafka-status-store';

const GOLDEN = JSON.parse(readFileSync(join(__dirname, '../distributed/__fixtures__/connect-golden.json'), 'utf8')) as Record<string, string>;
const noLog = { info() {}, warn() {}, error() {}, debug() {}, trace() {}, fatal() {}, child: () => noLog } as unknown as Logger;

describe('internal topic records (golden, as a JVM worker writes them)', () => {
  it('config topic values', () => {
    expect(ConfigRecords.connectorConfig({ 'connector.class': 'FileStreamSource', 'tasks.max': '1', file: '/tmp/in "quoted"\t.txt', topic: 'connect-test', name: 'local-file-source' })).toBe(GOLDEN.connectorConfigValue);
    expect(ConfigRecords.commit(3)).toBe(GOLDEN.commitValue);
    expect(ConfigRecords.targetState('STOPPED')).toBe(GOLDEN.targetStateStoppedValue);
    expect(ConfigRecords.targetState('PAUSED')).toBe('{"state":"PAUSED","state.v2":"PAUSED"}');
    expect(ConfigRecords.sessionKey({ key: Buffer.from('c2VjcmV0LWtleS0zMi1ieXRlcy1sb25nLi4uLi4uLi4=', 'base64'), algorithm: 'HmacSHA256', creationTimestamp: 1700000000123 })).toBe(GOLDEN.sessionKeyValue);
    expect(ConfigRecords.restartRequest({ includeTasks: true, onlyFailed: false })).toBe(GOLDEN.restartRequestValue);
    expect(ConfigRecords.loggerLevel('DEBUG')).toBe(GOLDEN.loggerLevelValue);
    expect(ConfigRecords.taskCount(3)).toBe(GOLDEN.taskCountValue);
  });
  it('config topic keys', () => {
    expect([
      ConfigRecords.connectorKey('c'),
      ConfigRecords.taskKey({ connector: 'c', task: 2 }),
      ConfigRecords.commitKey('c'),
      ConfigRecords.targetStateKey('c'),
      ConfigRecords.restartKey('c'),
      ConfigRecords.loggerKey('org.apache.kafka.connect'),
      ConfigRecords.taskCountKey('c'),
    ]).toEqual(['connector-c', 'task-c-2', 'commit-c', 'target-state-c', 'restart-connector-c', 'logger-cluster-org.apache.kafka.connect', 'tasks-fencing-c']);
  });
  it('status topic keys and values', () => {
    expect(StatusRecords.status({ state: 'FAILED', trace: 'org.apache.kafka.connect.errors.ConnectException: boom\n\tat x', workerId: 'w1:8083', generation: 5 })).toBe(GOLDEN.statusFailedValue);
    expect(StatusRecords.status({ state: 'RUNNING', trace: null, workerId: 'w1:8083', generation: 5 })).toBe(GOLDEN.statusRunningValue);
    expect(StatusRecords.topic({ topic: 'connect-test', connector: 'local-file-source', task: 0, discoverTimestamp: 1700000000123 })).toBe(GOLDEN.topicStatusValue);
    expect([StatusRecords.connectorKey('c'), StatusRecords.taskKey({ connector: 'c', task: 1 }), StatusRecords.topicKey('t', 'c')]).toEqual(['status-connector-c', 'status-task-c-1', 'status-topic-t:connector-c']);
  });
  it('offsets topic key and value', () => {
    expect(offsetKey('local-file-source', { filename: '/tmp/test.txt' })).toBe(GOLDEN.offsetKey);
    expect(JSON.stringify({ position: 1234 })).toBe(GOLDEN.offsetValue);
  });
});

describe('KafkaConfigBackingStore applies the config topic as Kafka does', () => {
  let offset = 0;
  const store = () => {
    offset = 0;
    const s = new KafkaConfigBackingStore({ topic: 'connect-configs', workerProps: { 'bootstrap.servers': 'localhost:1' }, clientId: 't', replicationFactor: 1, topicConfigKey: 'config.storage.topic', logger: noLog }, noLog);
    const events: string[] = [];
    const listener: ConfigUpdateListener = {
      onConnectorConfigUpdate: (c) => events.push(`config:${c}`),
      onConnectorConfigRemove: (c) => events.push(`remove:${c}`),
      onTaskConfigUpdate: (ts) => events.push(`tasks:${ts.map((t) => t.task).join(',')}`),
      onConnectorTargetStateChange: (c) => events.push(`target:${c}`),
      onSessionKeyUpdate: () => events.push('session-key'),
      onRestartRequest: (r) => events.push(`restart:${r.connector}:${r.includeTasks}:${r.onlyFailed}`),
      onLoggingLevelUpdate: (ns, l) => events.push(`logger:${ns}:${l}`),
    };
    s.listener = listener;
    (s as unknown as { started: boolean }).started = true;
    const put = (key: string, value: string | null) =>
      (s as unknown as { apply(r: ConsumerRecord): void }).apply({ topic: 'connect-configs', partition: 0, offset: offset++, timestamp: 0, timestampType: 'CreateTime', key: Buffer.from(key), value: value === null ? null : Buffer.from(value), headers: [], leaderEpoch: 0 });
    return { s, put, events };
  };

  it('task configs apply only with the commit record', () => {
    const { s, put, events } = store();
    put('connector-c', ConfigRecords.connectorConfig({ 'connector.class': 'X', name: 'c' }));
    put('task-c-0', ConfigRecords.taskConfig({ a: '0' }));
    put('task-c-1', ConfigRecords.taskConfig({ a: '1' }));
    expect(s.snapshot().taskCount('c')).toBe(0);
    put('commit-c', ConfigRecords.commit(2));
    const snap = s.snapshot();
    expect(snap.taskConfigsOf('c')).toEqual([{ a: '0' }, { a: '1' }]);
    expect(snap.offset).toBe(4);
    expect(snap.targetState('c')).toBe('STARTED');
    expect(events).toEqual(['config:c', 'tasks:0,1']);
  });

  it('a commit without the configs it counts leaves the connector inconsistent until a full set arrives', () => {
    const { s, put } = store();
    put('connector-c', ConfigRecords.connectorConfig({ name: 'c' }));
    put('task-c-1', ConfigRecords.taskConfig({ a: '1' })); // task-c-0 was compacted away
    put('commit-c', ConfigRecords.commit(2));
    expect(s.snapshot().isInconsistent('c')).toBe(true);
    expect(s.snapshot().taskConfigsOf('c')).toEqual([]);
    put('task-c-0', ConfigRecords.taskConfig({ a: 'x' }));
    put('task-c-1', ConfigRecords.taskConfig({ a: 'y' }));
    put('commit-c', ConfigRecords.commit(2));
    expect(s.snapshot().isInconsistent('c')).toBe(false);
    expect(s.snapshot().taskConfigsOf('c')).toEqual([{ a: 'x' }, { a: 'y' }]);
  });

  it('reads target states from state.v2, falling back to state (pre-3.5 workers)', () => {
    const { s, put, events } = store();
    put('connector-c', ConfigRecords.connectorConfig({ name: 'c' }));
    put('target-state-c', ConfigRecords.targetState('STOPPED'));
    expect(s.snapshot().targetState('c')).toBe('STOPPED');
    put('target-state-c', '{"state":"PAUSED"}');
    expect(s.snapshot().targetState('c')).toBe('PAUSED');
    expect(events.filter((e) => e.startsWith('target'))).toEqual(['target:c', 'target:c']);
  });

  it('a target state written before its connector (initial_state) applies when the connector appears', () => {
    const { s, put } = store();
    put('target-state-c', ConfigRecords.targetState('PAUSED'));
    put('connector-c', ConfigRecords.connectorConfig({ name: 'c' }));
    expect(s.snapshot().targetState('c')).toBe('PAUSED');
  });

  it('deletes a connector with its tasks; ignores commits for a deleted connector', () => {
    const { s, put, events } = store();
    put('connector-c', ConfigRecords.connectorConfig({ name: 'c' }));
    put('task-c-0', ConfigRecords.taskConfig({ a: '0' }));
    put('commit-c', ConfigRecords.commit(1));
    put('connector-c', null);
    put('target-state-c', null);
    expect(s.snapshot().contains('c')).toBe(false);
    expect(s.snapshot().taskCount('c')).toBe(0);
    put('task-d-0', ConfigRecords.taskConfig({ a: '0' }));
    put('commit-d', ConfigRecords.commit(1));
    expect(s.snapshot().contains('d')).toBe(false);
    expect(events).toContain('remove:c');
  });

  it('reads session keys, restart requests and cluster logger levels', () => {
    const { s, put, events } = store();
    put('session-key', GOLDEN.sessionKeyValue);
    expect(s.snapshot().sessionKey).toEqual({ key: Buffer.from('c2VjcmV0LWtleS0zMi1ieXRlcy1sb25nLi4uLi4uLi4=', 'base64'), algorithm: 'HmacSHA256', creationTimestamp: 1700000000123 });
    put('restart-connector-c', GOLDEN.restartRequestValue);
    put('logger-cluster-org.apache.kafka.connect', GOLDEN.loggerLevelValue);
    expect(events).toEqual(['session-key', 'restart:c:true:false', 'logger:org.apache.kafka.connect:DEBUG']);
  });

  it('KIP-618: task configs bump the generation and leave the connector pending a fencing until a task count record follows', () => {
    const { s, put } = store();
    put('connector-c', ConfigRecords.connectorConfig({ name: 'c' }));
    expect(s.snapshot().taskConfigGeneration('c')).toBeUndefined();
    expect(s.snapshot().pendingFencing('c')).toBe(false);
    put('task-c-0', ConfigRecords.taskConfig({ a: '0' }));
    put('task-c-1', ConfigRecords.taskConfig({ a: '1' }));
    put('commit-c', ConfigRecords.commit(2));
    let snap = s.snapshot();
    expect(snap.taskConfigGeneration('c')).toBe(0);
    expect(snap.pendingFencing('c')).toBe(true);
    expect(snap.taskCountRecord('c')).toBeUndefined();
    put('tasks-fencing-c', GOLDEN.taskCountValue);
    snap = s.snapshot();
    expect(snap.taskCountRecord('c')).toBe(3);
    expect(snap.pendingFencing('c')).toBe(false);
    // a new set (here: the empty set a STOP writes) bumps the generation again and needs a new fencing
    put('commit-c', ConfigRecords.commit(0));
    snap = s.snapshot();
    expect(snap.taskConfigGeneration('c')).toBe(1);
    expect(snap.pendingFencing('c')).toBe(true);
    expect(snap.taskCount('c')).toBe(0);
    put('tasks-fencing-c', ConfigRecords.taskCount(0));
    expect(s.snapshot().pendingFencing('c')).toBe(false);
    expect(s.snapshot().taskCountRecord('c')).toBe(0);
  });

  it('KIP-618: an inconsistent commit still needs a fencing but is no new generation; task count records outlive a deleted connector', () => {
    const { s, put } = store();
    put('connector-c', ConfigRecords.connectorConfig({ name: 'c' }));
    put('task-c-1', ConfigRecords.taskConfig({ a: '1' }));
    put('commit-c', ConfigRecords.commit(2));
    expect(s.snapshot().isInconsistent('c')).toBe(true);
    expect(s.snapshot().taskConfigGeneration('c')).toBeUndefined();
    expect(s.snapshot().pendingFencing('c')).toBe(true);
    put('tasks-fencing-c', ConfigRecords.taskCount(2));
    put('connector-c', null);
    // recreated under the same name: the old producers are still recorded, so the next round fences them
    put('connector-c', ConfigRecords.connectorConfig({ name: 'c' }));
    expect(s.snapshot().taskCountRecord('c')).toBe(2);
    put('tasks-fencing-c', '{"task-count":"x"}');
    expect(s.snapshot().taskCountRecord('c')).toBe(2);
  });
});
