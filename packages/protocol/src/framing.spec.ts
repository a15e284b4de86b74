import * as p from './index';

describe('header versions', () => {
  it('follow flexibility, except ApiVersions responses which always use header v0', () => {
    expect(p.requestHeaderVersion(p.ApiKey.Metadata, 8)).toBe(1);
    expect(p.requestHeaderVersion(p.ApiKey.Metadata, 9)).toBe(2);
    expect(p.responseHeaderVersion(p.ApiKey.Metadata, 9)).toBe(1);
    expect(p.requestHeaderVersion(p.ApiKey.ApiVersions, 3)).toBe(2);
    expect(p.responseHeaderVersion(p.ApiKey.ApiVersions, 3)).toBe(0);
    expect(p.requestHeaderVersion(p.ApiKey.ControlledShutdown, 0)).toBe(0);
  });

  it('keep the 2-byte client id length in request header v2', () => {
    const frame = Buffer.concat(p.encodeRequestFrame(p.ApiKey.Metadata, 12, 7, 'abc', p.MetadataRequestCodec.defaults()));
    // size, key 3, version 12, correlation 7, client id as int16 length + bytes, then the tag byte
    expect(frame.subarray(4, 4 + 2 + 2 + 4 + 2 + 3 + 1).toString('hex')).toBe('0003000c00000007000361626300');
  });

  it('read a header of a version above the highest we know as flexible (KIP-511)', () => {
    const frame = Buffer.from('0012006300000009000163' + '00' + '0000', 'hex'); // ApiVersions v99
    const { header, headerVersion, bodyOffset } = p.decodeRequestHeader(frame);
    expect(headerVersion).toBe(2);
    expect(header).toMatchObject({ requestApiKey: 18, requestApiVersion: 99, correlationId: 9, clientId: 'c' });
    expect(bodyOffset).toBe(12);
  });
});

describe('frames', () => {
  it('checks the size prefix', () => {
    expect(p.checkFrameSize(Buffer.from('000001', 'hex'), 0)).toEqual({ kind: 'incomplete' });
    expect(p.checkFrameSize(Buffer.from('00000010', 'hex'), 0)).toEqual({ kind: 'frame', size: 16 });
    expect(p.checkFrameSize(Buffer.from('ffffffff', 'hex'), 0).kind).toBe('invalid');
    expect(p.checkFrameSize(Buffer.from('7fffffff', 'hex'), 0, 1024)).toMatchObject({ kind: 'invalid', reason: expect.stringMatching(/larger than the maximum 1024/) });
  });

  it('round-trip a response with its correlation id, records passed through uncopied', () => {
    const records = Buffer.alloc(1 << 20, 1);
    const body = p.FetchResponseCodec.defaults();
    body.responses = [
      {
        topic: '',
        topicId: 'AQIDBAUGBwgJCgsMDQ4PEA',
        partitions: [
          {
            partitionIndex: 0,
            errorCode: 0,
            highWatermark: 5n,
            lastStableOffset: 5n,
            logStartOffset: 0n,
            divergingEpoch: { epoch: -1, endOffset: -1n },
            currentLeader: { leaderId: -1, leaderEpoch: -1 },
            snapshotId: { endOffset: -1n, epoch: -1 },
            abortedTransactions: null,
            preferredReadReplica: -1,
            records,
          },
        ],
      },
    ];
    const chunks = p.encodeResponseFrame(p.ApiKey.Fetch, 16, 42, body);
    expect(chunks).toContain(records);
    const frame = Buffer.concat(chunks);
    expect(frame.readInt32BE(0)).toBe(frame.length - 4);
    const back = p.decodeResponseFrame(p.ApiKey.Fetch, 16, frame.subarray(4));
    expect(back.correlationId).toBe(42);
    expect(back.body.responses[0].partitions[0].records!.equals(records)).toBe(true);
  });

  it('reports a truncated body with the API, version and field', () => {
    const frame = Buffer.concat(p.encodeRequestFrame(p.ApiKey.JoinGroup, 5, 1, 'c', { ...p.JoinGroupRequestCodec.defaults(), groupId: 'group' }));
    const cut = frame.subarray(4, frame.length - 3);
    const { bodyOffset } = p.decodeRequestHeader(cut);
    expect(() => p.decodeRequestBody(p.ApiKey.JoinGroup, 5, cut, bodyOffset)).toThrow(
      /cannot decode JoinGroupRequest v5: field 'protocols' needs 4 bytes, 1 remain/,
    );
  });

  it('refuses versions it has no codec for', () => {
    expect(() => p.encode(p.ProduceRequestCodec, p.ProduceRequestCodec.defaults(), 13)).toThrow(p.UnsupportedVersionError);
  });
});

describe('error codes', () => {
  it('carry names and retriable flags from the table', () => {
    expect(p.ErrorCode.UNKNOWN_TOPIC_OR_PARTITION).toBe(3);
    expect(p.errorName(3)).toBe('UNKNOWN_TOPIC_OR_PARTITION');
    expect(p.isRetriable(p.ErrorCode.NOT_LEADER_OR_FOLLOWER)).toBe(true);
    expect(p.isRetriable(p.ErrorCode.INVALID_TOPIC_EXCEPTION)).toBe(false);
    expect(new p.KafkaProtocolError(35, 'v99').message).toBe('UNSUPPORTED_VERSION: v99');
  });
});

describe('lenient response encoding', () => {
  it('drops values of fields the version lacks instead of throwing', () => {
    const body = {
      throttleTimeMs: 0,
      topics: [{ name: 't', partitions: [{ partitionIndex: 0, errorCode: 0, oldStyleOffsets: [], timestamp: -1n, offset: 5n, leaderEpoch: 3 }] }],
    };
    expect(() => p.encodeResponseFrame(p.ApiKey.ListOffsets, 2, 1, body)).toThrow(/leaderEpoch' has a non-default value but does not exist at version 2/);
    const frame = Buffer.concat(p.encodeResponseFrame(p.ApiKey.ListOffsets, 2, 1, body, { lenient: true }));
    const back = p.decodeResponseFrame(p.ApiKey.ListOffsets, 2, frame.subarray(4));
    expect(back.body.topics[0].partitions[0]).toMatchObject({ offset: 5n, leaderEpoch: -1 });
    // and strictness is back afterwards
    expect(() => p.encodeResponseFrame(p.ApiKey.ListOffsets, 2, 1, body)).toThrow();
  });
});
