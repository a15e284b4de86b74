// Runs @platformatic/kafka's request builders and response parsers for the
// cross-check spec (the package is ESM-only, so it runs in its own process).
// Input on stdin: JSON { requests: [{ module, args }], responses: [{ module, apiKey, version, hex }] }
// with {"$buf": hex} for Buffers and {"$big": "n"} for bigints. Output: JSON on stdout.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, dirname } from 'node:path';

const require = createRequire(import.meta.url);
const root = join(dirname(require.resolve('@platformatic/kafka')), 'apis');
const { Reader } = await import(join(dirname(require.resolve('@platformatic/kafka')), 'protocol/reader.js'));

const revive = (_k, v) => {
  if (v && typeof v === 'object' && '$buf' in v) return Buffer.from(v.$buf, 'hex');
  if (v && typeof v === 'object' && '$big' in v) return BigInt(v.$big);
  return v;
};
const replace = (_k, v) => {
  if (typeof v === 'bigint') return { $big: v.toString() };
  if (v && v.type === 'Buffer' && Array.isArray(v.data)) return { $buf: Buffer.from(v.data).toString('hex') };
  if (v instanceof Map) return Object.fromEntries(v);
  return v;
};

const input = JSON.parse(readFileSync(0, 'utf8'), revive);
const out = { requests: [], responses: [] };
for (const r of input.requests) {
  const mod = await import(join(root, r.module + '.js'));
  const writer = mod.createRequest(...r.args);
  out.requests.push(writer.buffer.toString('hex'));
}
for (const r of input.responses) {
  const mod = await import(join(root, r.module + '.js'));
  try {
    out.responses.push({ ok: mod.parseResponse(0, r.apiKey, r.version, Reader.from(Buffer.from(r.hex, 'hex'))) });
  } catch (e) {
    out.responses.push({ error: String(e && e.message), response: e && e.response });
  }
}
process.stdout.write(JSON.stringify(out, replace));
