/**
 * Dates and times between PostgreSQL's text format and the epoch, in a
 * configured time zone (`db.timezone`), with microsecond precision: the
 * JDBC connector's offsets keep a timestamp's fraction to the microsecond
 * (`timestamp_nanos`), so rows are never read twice or skipped because of
 * a rounded timestamp.
 *
 * Time zones are IANA names (through Intl) or fixed offsets (`UTC`, `GMT`,
 * `Z`, `+02:00`, `UTC+2`, `GMT-05:30`), as Java's `ZoneId.of` accepts them.
 * The calendar is proleptic Gregorian (java.time's; the legacy hybrid
 * Julian calendar only differs before 1582).
 */
import { DataException } from '@nagare/connect-api';

export const MICROS_PER_MS = 1000n;
const MS_PER_DAY = 86_400_000;

/** pgjdbc's `PGStatement.DATE_POSITIVE_INFINITY` / `DATE_NEGATIVE_INFINITY` (ms): what `infinity` timestamps read as. */
export const DATE_POSITIVE_INFINITY = 9223372036825200000n;
export const DATE_NEGATIVE_INFINITY = -9223372036832400000n;

export interface Zone {
  readonly id: string;
  /** Offset from UTC in ms at the instant `epochMs`. */
  offsetMs(epochMs: number): number;
  readonly fixed: boolean;
}

const FIXED = /^(?:(?:UTC|GMT|UT)(?:([+-])(\d{1,2})(?::?(\d{2}))?(?::?(\d{2}))?)?|Z|([+-])(\d{1,2})(?::?(\d{2}))?(?::?(\d{2}))?)$/;

const zoneCache = new Map<string, Zone>();

/** The zone named `id`, or throws a RangeError. */
export function zoneFor(id: string): Zone {
  const cached = zoneCache.get(id);
  if (cached) return cached;
  let zone: Zone;
  const m = FIXED.exec(id);
  if (m) {
    const sign = m[1] ?? m[5];
    const h = Number(m[2] ?? m[6] ?? 0);
    const mi = Number(m[3] ?? m[7] ?? 0);
    const s = Number(m[4] ?? m[8] ?? 0);
    if (h > 18 || mi > 59 || s > 59) throw new RangeError(`Invalid ID for offset-based ZoneId: ${id}`);
    const off = (sign === '-' ? -1 : 1) * ((h * 60 + mi) * 60 + s) * 1000;
    zone = { id, fixed: true, offsetMs: () => off };
  } else {
    let fmt: Intl.DateTimeFormat;
    try {
      fmt = new Intl.DateTimeFormat('en-US', {
        timeZone: id,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
        era: 'short',
      });
    } catch {
      throw new RangeError(`Unknown time-zone ID: ${id}`);
    }
    const resolved = fmt.resolvedOptions().timeZone;
    if (resolved === 'UTC' || resolved === 'Etc/UTC' || resolved === 'Etc/GMT') {
      zone = { id, fixed: true, offsetMs: () => 0 };
    } else {
      zone = {
        id,
        fixed: false,
        offsetMs: (epochMs: number) => {
          const whole = Math.floor(epochMs / 1000) * 1000;
          const p: Record<string, string> = {};
          for (const part of fmt.formatToParts(new Date(whole))) p[part.type] = part.value;
          let year = Number(p.year);
          if (p.era === 'BC' || p.era === 'B') year = 1 - year;
          const wall = utcMs(year, Number(p.month), Number(p.day), Number(p.hour), Number(p.minute), Number(p.second));
          return wall - whole;
        },
      };
    }
  }
  zoneCache.set(id, zone);
  return zone;
}

export const UTC_ZONE = zoneFor('UTC');

/** Date.UTC without its 0..99 => 1900.. quirk. */
export function utcMs(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, ms = 0): number {
  const d = new Date(Date.UTC(2000, month - 1, day, hour, minute, second, ms));
  d.setUTCFullYear(year, month - 1, day);
  return d.getTime();
}

/** Epoch ms of a wall-clock time (given as if it were UTC) in `zone`. */
export function wallToEpochMs(wallMs: number, zone: Zone): number {
  if (zone.fixed) return wallMs - zone.offsetMs(0);
  const guess = wallMs - zone.offsetMs(wallMs);
  return wallMs - zone.offsetMs(guess);
}

const TS = /^(\d{4,})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?)?(?:([+-])(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?|Z)?( BC)?$/;

/**
 * Epoch microseconds of a PostgreSQL `timestamp`/`timestamptz`/`date` text.
 * Text without an offset is a wall-clock time in `zone`.
 */
export function parseTimestampMicros(text: string, zone: Zone): bigint {
  if (text === 'infinity') return DATE_POSITIVE_INFINITY * MICROS_PER_MS;
  if (text === '-infinity') return DATE_NEGATIVE_INFINITY * MICROS_PER_MS;
  const m = TS.exec(text);
  if (!m) throw new DataException(`Invalid timestamp value '${text}'`);
  let year = Number(m[1]);
  if (m[12]) year = 1 - year;
  const wallSecondsMs = utcMs(year, Number(m[2]), Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0));
  const frac = m[7] ? BigInt((m[7] + '000000').slice(0, 6)) : 0n;
  let epochMs: number;
  if (m[8]) {
    const off = (m[8] === '-' ? -1 : 1) * ((Number(m[9]) * 60 + Number(m[10] ?? 0)) * 60 + Number(m[11] ?? 0)) * 1000;
    epochMs = wallSecondsMs - off;
  } else if (text.endsWith('Z')) {
    epochMs = wallSecondsMs;
  } else {
    epochMs = wallToEpochMs(wallSecondsMs, zone);
  }
  return BigInt(epochMs) * MICROS_PER_MS + frac;
}

/** Floor division of bigint micros to ms. */
export function microsToMs(micros: bigint): number {
  const q = micros / MICROS_PER_MS;
  return Number(micros < 0n && q * MICROS_PER_MS !== micros ? q - 1n : q);
}

/** The micros within the second (0..999999) of an epoch-micros value. */
export function microsOfSecond(micros: bigint): number {
  const r = micros % 1_000_000n;
  return Number(r < 0n ? r + 1_000_000n : r);
}

const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/** `yyyy-MM-dd HH:mm:ss.SSSSSS` of epoch micros as a wall-clock time in `zone` (what statements bind). */
export function formatTimestampMicros(micros: bigint, zone: Zone, fractionDigits = 6): string {
  const ms = microsToMs(micros);
  const d = new Date(ms + zone.offsetMs(ms));
  const frac = microsOfSecond(micros);
  const y = d.getUTCFullYear();
  const yearText = y <= 0 ? `${pad(1 - y, 4)}` : pad(y, 4);
  const base = `${yearText}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  const f = fractionDigits > 0 ? '.' + String(frac).padStart(6, '0').padEnd(fractionDigits, '0').slice(0, fractionDigits) : '';
  return base + f + (y <= 0 ? ' BC' : '');
}

/** `yyyy-MM-dd` of a Date as a calendar date in `zone`. */
export function formatDate(d: Date, zone: Zone): string {
  const ms = d.getTime();
  const w = new Date(ms + zone.offsetMs(ms));
  const y = w.getUTCFullYear();
  return `${y <= 0 ? pad(1 - y, 4) : pad(y, 4)}-${pad(w.getUTCMonth() + 1)}-${pad(w.getUTCDate())}${y <= 0 ? ' BC' : ''}`;
}

/** `HH:mm:ss.SSS` of a Connect Time (ms since midnight UTC on 1970-01-01) as a wall-clock time in `zone`. */
export function formatTime(d: Date, zone: Zone): string {
  const ms = d.getTime();
  const w = ((ms + zone.offsetMs(ms)) % MS_PER_DAY + MS_PER_DAY) % MS_PER_DAY;
  return `${pad(Math.floor(w / 3_600_000))}:${pad(Math.floor(w / 60_000) % 60)}:${pad(Math.floor(w / 1000) % 60)}.${pad(w % 1000, 3)}`;
}

const TIME = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?:([+-])(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?)?$/;

/**
 * A PostgreSQL `time`/`timetz` text as a Connect Time (ms since midnight,
 * UTC 1970-01-01): a `time` is a wall-clock time in `zone`, as pgjdbc's
 * `getTime(col, calendar)` reads it; a `timetz` carries its offset.
 */
export function parseTimeMs(text: string, zone: Zone): number {
  const m = TIME.exec(text);
  if (!m) throw new DataException(`Invalid time value '${text}'`);
  const wall = ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 + (m[4] ? Math.floor(Number((m[4] + '000000').slice(0, 6)) / 1000) : 0);
  let ms: number;
  if (m[5]) ms = wall - (m[5] === '-' ? -1 : 1) * ((Number(m[6]) * 60 + Number(m[7] ?? 0)) * 60 + Number(m[8] ?? 0)) * 1000;
  else ms = wallToEpochMs(wall, zone);
  if (ms < 0 || ms > MS_PER_DAY) {
    if (m[5] || zone.fixed) ms = ((ms % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY;
    else throw new DataException(`Time value '${text}' in time zone ${zone.id} falls outside 1970-01-01 UTC, which a Connect Time cannot hold`);
  }
  return ms;
}

/** A PostgreSQL `date` text as a Connect Date (UTC midnight). */
export function parseDate(text: string): Date {
  if (text === 'infinity') return new Date(Number(DATE_POSITIVE_INFINITY));
  if (text === '-infinity') return new Date(Number(DATE_NEGATIVE_INFINITY));
  const m = /^(\d{4,})-(\d{2})-(\d{2})( BC)?$/.exec(text);
  if (!m) throw new DataException(`Invalid date value '${text}'`);
  let year = Number(m[1]);
  if (m[4]) year = 1 - year;
  return new Date(utcMs(year, Number(m[2]), Number(m[3])));
}

/** ISO-8601 local date-time with the given fraction digits, as `micros_iso_datetime_string` writes it (`yyyy-MM-dd'T'HH:mm:ss.SSSSSS`). */
export function isoDateTime(micros: bigint, zone: Zone, nanos: boolean): string {
  const s = formatTimestampMicros(micros, zone, 6).replace(' ', 'T');
  return nanos ? s + '000' : s;
}
