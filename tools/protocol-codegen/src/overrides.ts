/**
 * Where released Apache Kafka 4.x brokers differ from the trunk definitions we
 * generate from. The definitions (taken just after the 4.0 branch was cut) had
 * already dropped versions that were restored before the release (KIP-896 was
 * narrowed so existing clients keep working):
 *
 * - Metadata v0-3 and JoinGroup v0-1 are served again.
 * - Produce v0-2 stay advertised (librdkafka refuses a broker whose Produce
 *   range does not start at 0); the broker answers them with
 *   UNSUPPORTED_VERSION, which needs the v0-2 codecs.
 *
 * The field definitions still describe those versions (their fields carry
 * `versions: "0+"`), so lowering the bottom of the range is all it takes.
 */
export const VERSION_OVERRIDES: Record<string, { lowest: number }> = {
  MetadataRequest: { lowest: 0 },
  MetadataResponse: { lowest: 0 },
  JoinGroupRequest: { lowest: 0 },
  JoinGroupResponse: { lowest: 0 },
  ProduceRequest: { lowest: 0 },
  ProduceResponse: { lowest: 0 },
};
