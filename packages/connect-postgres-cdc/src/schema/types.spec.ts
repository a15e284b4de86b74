/**
 * The `timestamptz` fast path (text already in UTC written straight as
 * Debezium's ZonedTimestamp) against the general conversion (epoch micros,
 * then ISO in UTC) it short-cuts.
 */
import { epochMicros, isoUtc, zonedTimestampUtc } from './types';

describe('zonedTimestampUtc', () => {
  const texts = ['2024-01-01 00:00:01+00', '2024-02-29 23:59:59.5+00', '1999-12-31 12:34:56.123456+00', '0001-01-01 00:00:00+00', '9999-12-31 23:59:59.999999+00', '1970-01-01 00:00:00.000001+00'];
  for (const text of texts) {
    for (const width of [1, 3, 6]) {
      it(`${text} at width ${width} equals the general conversion`, () => {
        expect(zonedTimestampUtc(text, width)).toBe(isoUtc(epochMicros(text), width));
      });
    }
  }

  it('width 0: only without a fraction; other offsets, BC and odd years take the general path', () => {
    expect(zonedTimestampUtc('2024-01-01 00:00:01+00', 0)).toBe(isoUtc(epochMicros('2024-01-01 00:00:01+00'), 0));
    expect(zonedTimestampUtc('2024-01-01 00:00:01.5+00', 0)).toBeNull();
    expect(zonedTimestampUtc('2024-01-01 02:00:01+02', 6)).toBeNull();
    expect(zonedTimestampUtc('2024-01-01 00:00:01+00 BC', 6)).toBeNull();
    expect(zonedTimestampUtc('12024-01-01 00:00:01+00', 6)).toBeNull();
    expect(isoUtc(epochMicros('2024-01-01 02:00:01.25+02'), 6)).toBe('2024-01-01T00:00:01.250000Z');
  });

  it('two-digit years are not read as 19xx', () => {
    expect(isoUtc(epochMicros('0050-06-01 00:00:00+00'), 0)).toBe('0050-06-01T00:00:00Z');
  });
});
