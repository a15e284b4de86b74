/**
 * Every message, every version: random values encode, decode back to the same
 * value, and re-encode to identical bytes. Unknown tagged fields survive.
 */
import fc from 'fast-check';
import * as protocol from './index';
import { MessageArbitraries } from './testing/arbitraries';
import { messageSchemas } from './schema';
import { MessageCodec, decode, encode } from './runtime';

const codecs = new Map<string, MessageCodec<unknown>>();
for (const [name, value] of Object.entries(protocol)) {
  if (name.endsWith('Codec') && typeof value === 'object' && value !== null && 'read' in value) {
    codecs.set(name.slice(0, -'Codec'.length), value as MessageCodec<unknown>);
  }
}

const schemas = Object.values(messageSchemas());

describe('generated codecs round-trip', () => {
  it('exist for every message definition', () => {
    expect(schemas.length).toBeGreaterThanOrEqual(190);
    for (const s of schemas) expect(codecs.has(s.name)).toBe(true);
  });

  for (const schema of schemas) {
    it(`${schema.name} v${schema.validVersions[0]}-${schema.validVersions[1]}`, () => {
      const codec = codecs.get(schema.name)!;
      const arbs = new MessageArbitraries(schema);
      for (let version = schema.validVersions[0]; version <= schema.validVersions[1]; version++) {
        fc.assert(
          fc.property(arbs.messageArb(version), (value) => {
            const bytes = encode(codec, value, version);
            const decoded = decode(codec, bytes, version);
            expect(decoded).toEqual(value);
            expect(encode(codec, decoded, version).equals(bytes)).toBe(true);
          }),
          { numRuns: 15, seed: 0x6e616761 + version },
        );
      }
    });
  }
});

describe('unknown tagged fields', () => {
  it('are kept on decode and written back in ascending order among the known tags', () => {
    const codec = protocol.ApiVersionsResponseCodec;
    const value: protocol.ApiVersionsResponse = {
      ...codec.defaults(),
      apiKeys: [{ apiKey: 18, minVersion: 0, maxVersion: 4 }],
      finalizedFeaturesEpoch: 7n, // known tag 1
      _unknownTaggedFields: [
        { tag: 0x05, data: Buffer.from([0xaa]) },
        { tag: 0x09, data: Buffer.from([0xbb, 0xcc]) },
      ],
    };
    const bytes = encode(codec, value, 3);
    // error(2) apiKeys(1 + 7) throttle(4), then the tagged section
    const tagged = bytes.subarray(2 + 1 + 7 + 4);
    expect(tagged.toString('hex')).toBe(
      [
        '03', // three tagged fields
        '01', '08', '0000000000000007', // tag 1: FinalizedFeaturesEpoch, 8 bytes
        '05', '01', 'aa', // unknown tag 5
        '09', '02', 'bbcc', // unknown tag 9
      ].join(''),
    );
    const back = decode(codec, bytes, 3);
    expect(back.finalizedFeaturesEpoch).toBe(7n);
    expect(back._unknownTaggedFields).toEqual(value._unknownTaggedFields);
    expect(encode(codec, back, 3).equals(bytes)).toBe(true);
  });

  it('survive in a request header read from bytes', () => {
    // RequestHeader v2: Metadata v12, correlation 5, client id "c", one unknown tag 42 of 3 bytes.
    const bytes = Buffer.from('0003000c00000005000163' + '01' + '2a' + '03' + '010203', 'hex');
    const header = decode(protocol.RequestHeaderCodec, bytes, 2);
    expect(header).toMatchObject({ requestApiKey: 3, requestApiVersion: 12, correlationId: 5, clientId: 'c' });
    expect(header._unknownTaggedFields).toEqual([{ tag: 42, data: Buffer.from([1, 2, 3]) }]);
    expect(encode(protocol.RequestHeaderCodec, header, 2).equals(bytes)).toBe(true);
  });

  it('may not reuse a tag the message writes itself', () => {
    const codec = protocol.ApiVersionsResponseCodec;
    const value = { ...codec.defaults(), finalizedFeaturesEpoch: 1n, _unknownTaggedFields: [{ tag: 1, data: Buffer.alloc(1) }] };
    expect(() => encode(codec, value, 3)).toThrow(protocol.ProtocolEncodeError);
  });
});
