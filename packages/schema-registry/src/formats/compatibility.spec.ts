/**
 * Compatibility matrices: for each format and each of the seven levels,
 * registration (through the REST API) of a change that only the new schema
 * can read ("backward-only"), one only the old schema can read
 * ("forward-only"), one both can read, and a version compatible with the
 * latest but not with an earlier one (transitive levels refuse it).
 */
import { TestRegistry, testRegistry } from '../testing/rest';

interface Case {
  type: 'AVRO' | 'PROTOBUF' | 'JSON';
  base: string;
  backwardOnly: string;
  forwardOnly: string;
  both: string;
  /** v2 incompatible with base in both directions, v3 = v2 plus a change compatible both ways. */
  v2: string;
  v3: string;
}

const avro = (fields: object[]) => JSON.stringify({ type: 'record', name: 'R', fields });
const proto = (body: string) => `syntax = "proto3";\npackage p;\n${body}\n`;
const json = (o: object) => JSON.stringify(o);

const CASES: Case[] = [
  {
    type: 'AVRO',
    base: avro([{ name: 'a', type: 'int' }, { name: 'b', type: 'string' }]),
    // removing b: the new schema reads old data, the old one misses b
    backwardOnly: avro([{ name: 'a', type: 'int' }]),
    // adding c without default: the old schema ignores c, the new one lacks it in old data
    forwardOnly: avro([{ name: 'a', type: 'int' }, { name: 'b', type: 'string' }, { name: 'c', type: 'int' }]),
    both: avro([{ name: 'a', type: 'int' }, { name: 'b', type: 'string' }, { name: 'c', type: 'int', default: 0 }]),
    v2: avro([{ name: 'a', type: 'string' }, { name: 'b', type: 'string' }]),
    v3: avro([{ name: 'a', type: 'string' }, { name: 'b', type: 'string' }, { name: 'c', type: 'int', default: 0 }]),
  },
  {
    type: 'PROTOBUF',
    base: proto('message A { int32 a = 1; }\nmessage B { string b = 1; }'),
    // adding a message: backward diff MESSAGE_ADDED, forward diff MESSAGE_REMOVED
    backwardOnly: proto('message A { int32 a = 1; }\nmessage B { string b = 1; }\nmessage C { string c = 1; }'),
    forwardOnly: proto('message A { int32 a = 1; }'),
    both: proto('message A { int32 a = 1; string x = 2; }\nmessage B { string b = 1; }'),
    v2: proto('message A { string a = 1; }\nmessage B { string b = 1; }'),
    v3: proto('message A { string a = 1; string x = 2; }\nmessage B { string b = 1; }'),
  },
  {
    type: 'JSON',
    base: json({ type: 'object', properties: { a: { type: 'integer' } }, additionalProperties: false }),
    // an optional property added to a closed model: new reads old; old (closed) refuses data with it
    backwardOnly: json({ type: 'object', properties: { a: { type: 'integer' }, b: { type: 'string' } }, additionalProperties: false }),
    forwardOnly: json({ type: 'object', properties: {}, additionalProperties: false }),
    both: json({ type: 'object', properties: { a: { type: 'integer', description: 'the a' } }, additionalProperties: false }),
    v2: json({ type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false }),
    v3: json({ type: 'object', properties: { a: { type: 'string', description: 'now a string' } }, additionalProperties: false }),
  },
];

type Outcome = 'ok' | '409';
const MATRIX: Record<string, [Outcome, Outcome, Outcome, Outcome]> = {
  //                    backwardOnly forwardOnly both  transitive v3
  NONE: ['ok', 'ok', 'ok', 'ok'],
  BACKWARD: ['ok', '409', 'ok', 'ok'],
  BACKWARD_TRANSITIVE: ['ok', '409', 'ok', '409'],
  FORWARD: ['409', 'ok', 'ok', 'ok'],
  FORWARD_TRANSITIVE: ['409', 'ok', 'ok', '409'],
  FULL: ['409', '409', 'ok', 'ok'],
  FULL_TRANSITIVE: ['409', '409', 'ok', '409'],
};

async function outcome(r: TestRegistry, subject: string, type: string, schema: string): Promise<Outcome> {
  const res = await r.call('POST', `/subjects/${subject}/versions`, { schema, ...(type === 'AVRO' ? {} : { schemaType: type }) });
  if (res.status === 200) return 'ok';
  if (res.status === 409) return '409';
  throw new Error(`unexpected ${res.status}: ${res.text}`);
}

describe.each(CASES)('$type', (c) => {
  it.each(Object.keys(MATRIX))('%s', async (level) => {
    const r = testRegistry();
    const got: Outcome[] = [];
    for (const [i, change] of [c.backwardOnly, c.forwardOnly, c.both].entries()) {
      const subject = `s${i}`;
      await r.call('PUT', `/config/${subject}`, { compatibility: level });
      expect(await outcome(r, subject, c.type, c.base)).toBe('ok');
      got.push(await outcome(r, subject, c.type, change));
    }
    // transitive: v1 and an incompatible v2 (registered under NONE), then v3 under the level
    await r.call('PUT', '/config/t', { compatibility: 'NONE' });
    expect(await outcome(r, 't', c.type, c.base)).toBe('ok');
    expect(await outcome(r, 't', c.type, c.v2)).toBe('ok');
    await r.call('PUT', '/config/t', { compatibility: level });
    got.push(await outcome(r, 't', c.type, c.v3));
    expect(got).toEqual(MATRIX[level]);
    // the compatibility endpoint agrees with registration
    const check = await r.call('POST', '/compatibility/subjects/s0/versions', { schema: c.backwardOnly, ...(c.type === 'AVRO' ? {} : { schemaType: c.type }) });
    expect(check.status).toBe(200);
  });

  it('a transitive failure names the version it failed against', async () => {
    const r = testRegistry();
    await r.call('PUT', '/config/t', { compatibility: 'NONE' });
    await outcome(r, 't', c.type, c.base);
    await outcome(r, 't', c.type, c.v2);
    await r.call('PUT', '/config/t', { compatibility: 'BACKWARD_TRANSITIVE' });
    const res = await r.call('POST', '/compatibility/subjects/t/versions?verbose=true', { schema: c.v3, ...(c.type === 'AVRO' ? {} : { schemaType: c.type }) });
    expect(res.body.is_compatible).toBe(false);
    expect(res.body.messages).toContain('{oldSchemaVersion: 1}');
    expect(res.body.messages[res.body.messages.length - 1]).toBe("{validateFields: 'false', compatibility: 'BACKWARD_TRANSITIVE'}");
  });
});
