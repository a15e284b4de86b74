/**
 * Protocol fuzzing: random frames and mutations of valid ones, for every API
 * key, requests and responses, every version. Each input must decode to a
 * value or fail with a typed error (ProtocolDecodeError, or
 * UnsupportedVersionError for versions we do not have). Anything else, or an
 * input that takes too long, is a crash. Seeded and deterministic.
 */
import fc from 'fast-check';
import { APIS } from '../generated/apis';
import { messageSchemas } from '../schema';
import { MessageArbitraries } from '../testing/arbitraries';
import { MessageCodec, decode, encode } from '../runtime/codec';
import { ProtocolDecodeError, UnsupportedVersionError } from '../runtime/errors';
import { decodeRequestHeader, decodeRequestBody } from '../framing';

export interface FuzzOptions {
  iterations: number;
  seed: number;
  log?: (s: string) => void;
  /** Inputs slower than this are reported. */
  slowMs?: number;
}

export interface FuzzCrash {
  input: string;
  target: string;
  error: string;
}

export interface FuzzResult {
  iterations: number;
  decoded: number;
  typedErrors: number;
  crashes: FuzzCrash[];
  slowest: { ms: number; target: string };
}

/** mulberry32: a small seeded PRNG. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Seed {
  codec: MessageCodec<unknown>;
  version: number;
  bytes: Buffer;
  apiKey: number;
  isRequest: boolean;
}

function corpus(seed: number): Seed[] {
  const out: Seed[] = [];
  const schemas = messageSchemas();
  for (const api of APIS) {
    for (const [codec, isRequest] of [
      [api.request, true],
      [api.response, false],
    ] as const) {
      const arbs = new MessageArbitraries(schemas[codec.name], 2);
      for (let v = codec.lowestVersion; v <= codec.highestVersion; v++) {
        for (const value of fc.sample(arbs.messageArb(v), { numRuns: 2, seed: seed + v })) {
          out.push({ codec, version: v, bytes: encode(codec, value, v), apiKey: api.apiKey, isRequest });
        }
      }
    }
  }
  return out;
}

const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe];

function mutate(rand: () => number, input: Buffer): Buffer {
  const b = Buffer.from(input);
  const pick = (n: number) => Math.floor(rand() * n);
  const kind = pick(7);
  if (b.length === 0 || kind === 0) {
    const n = pick(64);
    const r = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) r[i] = pick(256);
    return r;
  }
  switch (kind) {
    case 1: // truncate
      return b.subarray(0, pick(b.length));
    case 2: {
      // flip a few bytes
      for (let i = 0, n = 1 + pick(4); i < n; i++) b[pick(b.length)] = pick(256);
      return b;
    }
    case 3: {
      // interesting bytes (lengths of -1, 127, 128, 255...)
      for (let i = 0, n = 1 + pick(3); i < n; i++) b[pick(b.length)] = INTERESTING[pick(INTERESTING.length)];
      return b;
    }
    case 4: {
      // a huge int32 length somewhere
      if (b.length >= 4) b.writeInt32BE([0x7fffffff, -2, 0x10000, 1 << 30][pick(4)], pick(b.length - 3));
      return b;
    }
    case 5: {
      // a long varint run
      const at = pick(b.length);
      for (let i = at; i < Math.min(b.length, at + 1 + pick(12)); i++) b[i] = 0xff;
      return b;
    }
    default: {
      // splice garbage in
      const at = pick(b.length);
      const junk = Buffer.alloc(1 + pick(8), pick(256));
      return Buffer.concat([b.subarray(0, at), junk, b.subarray(at)]);
    }
  }
}

function isTyped(e: unknown): boolean {
  return e instanceof ProtocolDecodeError || e instanceof UnsupportedVersionError;
}

export function runFuzz(opts: FuzzOptions): FuzzResult {
  const rand = prng(opts.seed);
  const seeds = corpus(opts.seed);
  const slowMs = opts.slowMs ?? 1000;
  const result: FuzzResult = { iterations: 0, decoded: 0, typedErrors: 0, crashes: [], slowest: { ms: 0, target: '' } };
  const reportEvery = Math.max(1, Math.floor(opts.iterations / 10));
  for (let i = 0; i < opts.iterations; i++) {
    const s = seeds[Math.floor(rand() * seeds.length)];
    const input = mutate(rand, s.bytes);
    // Mostly decode at the seed's version; sometimes at a neighbouring or wrong one.
    const r = rand();
    const version = r < 0.8 ? s.version : r < 0.95 ? s.version + Math.floor(rand() * 5) - 2 : Math.floor(rand() * 40);
    const target = `${s.codec.name} v${version}`;
    const started = process.hrtime.bigint();
    try {
      if (s.isRequest && rand() < 0.3) {
        // As a broker sees it: a whole frame, header first.
        const header = Buffer.alloc(10);
        header.writeInt16BE(s.apiKey, 0);
        header.writeInt16BE(version, 2);
        header.writeInt32BE(i, 4);
        header.writeInt16BE(-1, 8);
        const frame = mutate(rand, Buffer.concat([header, input])).subarray(0);
        const { header: h, bodyOffset } = decodeRequestHeader(frame);
        decodeRequestBody(h.requestApiKey as never, h.requestApiVersion, frame, bodyOffset);
      } else {
        decode(s.codec, input, version);
      }
      result.decoded++;
    } catch (e) {
      if (isTyped(e) || (e instanceof Error && /^unknown API key/.test(e.message))) {
        result.typedErrors++;
      } else {
        result.crashes.push({ input: input.toString('hex'), target, error: String(e instanceof Error ? e.stack : e) });
        if (result.crashes.length >= 20) break;
      }
    }
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (ms > result.slowest.ms) result.slowest = { ms, target };
    if (ms > slowMs) result.crashes.push({ input: input.toString('hex'), target, error: `took ${ms.toFixed(0)} ms` });
    result.iterations++;
    if (opts.log && (i + 1) % reportEvery === 0) {
      opts.log(`fuzz: ${i + 1}/${opts.iterations} inputs, ${result.decoded} decoded, ${result.typedErrors} typed errors, ${result.crashes.length} crashes`);
    }
  }
  return result;
}
