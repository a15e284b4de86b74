import { DEFAULT_LOG_CONFIG, logConfigFromProperties, validateLogConfig } from './config';

describe('LogConfig', () => {
  it("has Kafka's defaults", () => {
    expect(logConfigFromProperties({})).toEqual({
      segmentBytes: 1073741824,
      segmentMs: 604800000,
      segmentIndexBytes: 10485760,
      indexIntervalBytes: 4096,
      flushMessages: Number.MAX_SAFE_INTEGER,
      flushMs: Number.MAX_SAFE_INTEGER,
      retentionMs: 604800000,
      retentionBytes: -1,
      cleanupPolicy: 'delete',
      deleteRetentionMs: 86400000,
      minCleanableDirtyRatio: 0.5,
      minCompactionLagMs: 0,
      maxCompactionLagMs: Number.MAX_SAFE_INTEGER,
      maxMessageBytes: 1048588,
      messageTimestampType: 'CreateTime',
      fileDeleteDelayMs: 60000,
      messageTimestampBeforeMaxMs: Number.MAX_SAFE_INTEGER,
      messageTimestampAfterMaxMs: Number.MAX_SAFE_INTEGER,
    });
  });

  it('parses Kafka topic properties over defaults and ignores keys it does not own', () => {
    const c = logConfigFromProperties(
      {
        'segment.bytes': '1048576',
        'retention.ms': '-1',
        'retention.bytes': '5000000000',
        'cleanup.policy': 'delete,compact',
        'min.cleanable.dirty.ratio': '0.25',
        'message.timestamp.type': 'LogAppendTime',
        'flush.ms': '9223372036854775807',
        'compression.type': 'zstd',
        'min.insync.replicas': '2',
        'message.timestamp.difference.max.ms': '3600000',
      },
      { ...DEFAULT_LOG_CONFIG, fileDeleteDelayMs: 1 },
    );
    expect(c).toMatchObject({
      segmentBytes: 1048576,
      retentionMs: -1,
      retentionBytes: 5_000_000_000,
      cleanupPolicy: 'compact,delete',
      minCleanableDirtyRatio: 0.25,
      messageTimestampType: 'LogAppendTime',
      flushMs: Number.MAX_SAFE_INTEGER,
      fileDeleteDelayMs: 1,
      messageTimestampBeforeMaxMs: 3600000,
      messageTimestampAfterMaxMs: 3600000,
    });
    expect(logConfigFromProperties({ 'cleanup.policy': 'compact' }).cleanupPolicy).toBe('compact');
  });

  it.each([
    ['segment.bytes', '13', /at least 14/],
    ['segment.bytes', '2147483648', /at most/],
    ['segment.bytes', 'lots', /not a number/],
    ['segment.ms', '0', /at least 1/],
    ['retention.ms', '-2', /at least -1/],
    ['cleanup.policy', 'delete,shred', /delete.*compact/],
    ['cleanup.policy', '', /delete.*compact/],
    ['min.cleanable.dirty.ratio', '1.5', /at most 1/],
    ['min.cleanable.dirty.ratio', 'half', /not a number/],
    ['message.timestamp.type', 'WallTime', /CreateTime or LogAppendTime/],
    ['flush.messages', '0', /at least 1/],
    ['index.interval.bytes', '1.5', /not a number/],
  ])('rejects %s=%s naming the key', (key, value, why) => {
    let err: unknown;
    try {
      logConfigFromProperties({ [key]: value });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ kind: 'INVALID_CONFIG', kafkaErrorCode: 40 });
    expect((err as Error).message).toContain(key);
    expect((err as Error).message).toMatch(why);
  });

  it('validates configs built in code', () => {
    expect(() => validateLogConfig({ ...DEFAULT_LOG_CONFIG, segmentBytes: 0.5 })).toThrow(/segment.bytes/);
    expect(() => validateLogConfig({ ...DEFAULT_LOG_CONFIG, minCompactionLagMs: 10, maxCompactionLagMs: 5 })).toThrow(/min.compaction.lag.ms/);
    expect(() => validateLogConfig({ ...DEFAULT_LOG_CONFIG, cleanupPolicy: 'nope' as never })).toThrow(/cleanup.policy/);
  });
});
