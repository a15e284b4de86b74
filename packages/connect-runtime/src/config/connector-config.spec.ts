/**
 * Connector config validation with the distributed herder's checks:
 * KIP-618's preflight of `exactly.once.support=required` and
 * `transaction.boundary=connector` (messages from Kafka's
 * DistributedHerder.validateSourceConnectorExactlyOnceSupport /
 * validateSourceConnectorTransactionBoundary) and the sink group id.
 */
import { ConfigDef, SinkConnector, SinkTask, SourceConnector, SourceTask, type ConnectorTransactionBoundaries, type ExactlyOnceSupport, type TaskClass } from '@nagare/connect-api';
import { builtinPlugins } from '../plugins/builtin';
import { connectorConfigDef, invalidConfigMessage, sourceExactlyOnceConfig, validateConnectorConfig, type DistributedValidation } from './connector-config';

class NoopSourceTask extends SourceTask {
  version() {
    return '1';
  }
  start() {}
  poll() {
    return null;
  }
  stop() {}
}
abstract class BaseSource extends SourceConnector {
  version() {
    return '1';
  }
  start() {}
  taskClass(): TaskClass {
    return NoopSourceTask;
  }
  taskConfigs() {
    return [{}];
  }
  stop() {}
  config() {
    return new ConfigDef();
  }
}
class SilentSource extends BaseSource {}
class Eos extends BaseSource {
  override exactlyOnceSupport(c: Record<string, string>): ExactlyOnceSupport | null {
    return c['eos.ok'] === 'true' ? 'SUPPORTED' : 'UNSUPPORTED';
  }
  override canDefineTransactionBoundaries(c: Record<string, string>): ConnectorTransactionBoundaries | null {
    if (c['boundaries'] === 'throw') throw new Error('  no idea  ');
    if (c['boundaries'] === 'null') return null;
    return c['boundaries'] === 'yes' ? 'SUPPORTED' : 'UNSUPPORTED';
  }
}
class NoopSinkTask extends SinkTask {
  version() {
    return '1';
  }
  start() {}
  put() {}
  stop() {}
}
class Sink extends SinkConnector {
  version() {
    return '1';
  }
  start() {}
  taskClass(): TaskClass {
    return NoopSinkTask;
  }
  taskConfigs() {
    return [{}];
  }
  stop() {}
  config() {
    return new ConfigDef();
  }
}

const plugins = builtinPlugins();
plugins.add(SilentSource, { className: 'test.SilentSource' });
plugins.add(Eos, { className: 'test.Eos' });
plugins.add(Sink, { className: 'test.Sink' });
const enabled: DistributedValidation = { workerGroupId: 'connect-cluster', exactlyOnceSourceEnabled: true };
const disabled: DistributedValidation = { workerGroupId: 'connect-cluster', exactlyOnceSourceEnabled: false };

function errorsOf(props: Record<string, string>, dv?: DistributedValidation): Record<string, string[]> {
  const r = validateConnectorConfig({ name: 'c', ...props }, plugins, 'All', dv);
  const out: Record<string, string[]> = {};
  for (const c of r.infos.configs) if (c.value.errors.length > 0) out[c.value.name] = c.value.errors;
  return out;
}

describe('exactly.once.support (KIP-618 preflight)', () => {
  it('requested (the default) asks nothing', () => {
    expect(errorsOf({ 'connector.class': 'test.SilentSource' }, enabled)).toEqual({});
    expect(errorsOf({ 'connector.class': 'test.SilentSource', 'exactly.once.support': 'REQUESTED' }, disabled)).toEqual({});
  });
  it('required: the connector must say SUPPORTED, and the worker must have exactly-once support', () => {
    expect(errorsOf({ 'connector.class': 'test.Eos', 'exactly.once.support': 'required', 'eos.ok': 'true' }, enabled)).toEqual({});
    expect(errorsOf({ 'connector.class': 'test.Eos', 'exactly.once.support': 'required', 'eos.ok': 'false' }, enabled)).toEqual({
      'exactly.once.support': ['The connector does not support exactly-once semantics with the provided configuration.'],
    });
    expect(errorsOf({ 'connector.class': 'test.SilentSource', 'exactly.once.support': 'Required' }, enabled)).toEqual({
      'exactly.once.support': [
        'The connector does not implement the API required for preflight validation of exactly-once source support. Please consult the documentation for the connector to determine whether it supports exactly-once semantics, and then consider reconfiguring the connector to use the value "requested" for this property (which will disable this preflight check and allow the connector to be created).',
      ],
    });
    expect(errorsOf({ 'connector.class': 'test.Eos', 'exactly.once.support': 'required', 'eos.ok': 'true' }, disabled)).toEqual({
      'exactly.once.support': ['This worker does not have exactly-once source support enabled.'],
    });
  });
  it('FileStreamSource supports it for a file, not for stdin', () => {
    const { FileStreamSourceConnector } = require('@nagare/connect-file') as typeof import('@nagare/connect-file');
    const p = builtinPlugins();
    p.add(FileStreamSourceConnector);
    const run = (file?: string) => validateConnectorConfig({ name: 'f', 'connector.class': 'FileStreamSource', topic: 't', 'exactly.once.support': 'required', ...(file ? { file } : {}) }, p, 'All', enabled);
    expect(run('/tmp/x').infos.error_count).toBe(0);
    const stdin = run();
    expect(stdin.infos.error_count).toBe(1);
    expect(invalidConfigMessage(stdin)).toBe(
      'Connector configuration is invalid and contains the following 1 error(s):\nThe connector does not support exactly-once semantics with the provided configuration.\nYou can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`',
    );
  });
  it('a bad value is the validator\'s error, and the preflight is skipped', () => {
    expect(errorsOf({ 'connector.class': 'test.SilentSource', 'exactly.once.support': 'always' }, enabled)).toEqual({
      'exactly.once.support': ['Invalid value always for configuration exactly.once.support: String must be one of (case insensitive): requested, required'],
    });
  });
});

describe('transaction.boundary', () => {
  it('connector: the connector must define boundaries (whatever the worker\'s exactly-once setting)', () => {
    expect(errorsOf({ 'connector.class': 'test.Eos', 'transaction.boundary': 'connector', boundaries: 'yes' }, disabled)).toEqual({});
    expect(errorsOf({ 'connector.class': 'test.SilentSource', 'transaction.boundary': 'CONNECTOR' }, enabled)).toEqual({
      'transaction.boundary': ['The connector does not support connector-defined transaction boundaries with the given configuration. Please reconfigure it to use a different transaction boundary definition.'],
    });
    expect(errorsOf({ 'connector.class': 'test.Eos', 'transaction.boundary': 'connector', boundaries: 'null' }, enabled)['transaction.boundary']).toEqual([
      "This connector has returned a null value from its canDefineTransactionBoundaries method, which is not permitted. The connector will be treated as if it cannot define its own transaction boundaries, and cannot be configured with 'transaction.boundary' set to 'connector'.",
    ]);
    expect(errorsOf({ 'connector.class': 'test.Eos', 'transaction.boundary': 'connector', boundaries: 'throw' }, enabled)['transaction.boundary']).toEqual(['An unexpected error occurred during validation: no idea']);
  });
  it('poll and interval need nothing; the interval must not be negative; values are case-insensitive', () => {
    expect(errorsOf({ 'connector.class': 'test.SilentSource', 'transaction.boundary': 'Interval', 'transaction.boundary.interval.ms': '500' }, enabled)).toEqual({});
    expect(errorsOf({ 'connector.class': 'test.SilentSource', 'transaction.boundary.interval.ms': '-1' }, enabled)).toEqual({
      'transaction.boundary.interval.ms': ['Invalid value -1 for configuration transaction.boundary.interval.ms: Value must be at least 0'],
    });
    expect(errorsOf({ 'connector.class': 'test.SilentSource', 'transaction.boundary': 'batch' }, enabled)).toEqual({
      'transaction.boundary': ['Invalid value batch for configuration transaction.boundary: String must be one of (case insensitive): poll, interval, connector'],
    });
    expect(sourceExactlyOnceConfig({ 'transaction.boundary': ' Interval ', 'transaction.boundary.interval.ms': '250', 'offsets.storage.topic': 'my-offsets' })).toEqual({
      exactlyOnceSupport: 'requested',
      transactionBoundary: 'interval',
      transactionBoundaryIntervalMs: 250,
      offsetsTopic: 'my-offsets',
    });
  });
  it('the standalone worker runs no preflight', () => {
    expect(errorsOf({ 'connector.class': 'test.SilentSource', 'exactly.once.support': 'required', 'transaction.boundary': 'connector' })).toEqual({});
  });
  it('definitions: Kafka\'s groups, orders and defaults', () => {
    const keys = connectorConfigDef('source').configKeys();
    const pick = (n: string) => {
      const k = keys.get(n)!;
      return [k.group, k.orderInGroup, k.defaultValue ?? null, k.type];
    };
    expect(pick('exactly.once.support')).toEqual(['Exactly Once Support', 2, 'requested', 'STRING']);
    expect(pick('transaction.boundary')).toEqual(['Exactly Once Support', 3, 'poll', 'STRING']);
    expect(pick('transaction.boundary.interval.ms')).toEqual(['Exactly Once Support', 4, null, 'LONG']);
    expect(pick('offsets.storage.topic')).toEqual(['offsets.topic', 1, null, 'STRING']);
    expect(errorsOf({ 'connector.class': 'test.SilentSource', 'offsets.storage.topic': '' }, enabled)).toEqual({ 'offsets.storage.topic': ['Invalid value  for configuration offsets.storage.topic: String must be non-empty'] });
  });
});

describe('sink consumer group (DistributedHerder.validateSinkConnectorGroupId)', () => {
  it('may not be the worker group', () => {
    expect(errorsOf({ 'connector.class': 'test.Sink', topics: 't', 'consumer.override.group.id': 'connect-cluster' }, enabled)).toEqual({
      'consumer.override.group.id': ['Consumer group connect-cluster conflicts with Connect worker group connect-cluster'],
    });
    expect(validateConnectorConfig({ name: 'cluster', 'connector.class': 'test.Sink', topics: 't' }, plugins, 'All', enabled).errorMessages).toEqual([
      'Consumer group for sink connector named cluster conflicts with Connect worker group connect-cluster',
    ]);
  });
});
