/**
 * The REST contract of Confluent Schema Registry 7.9, endpoint by endpoint
 * and error code by error code, with the scenarios of Confluent's
 * RestApiTest (idempotent registration, one id for the same schema in two
 * subjects, version numbering after soft deletes, references), RestApiModeTest
 * and RestApiContextTest. The registry runs over an in-memory log that goes
 * through the same `_schemas` record serialization as the Kafka store.
 */
import { TestRegistry, testRegistry } from './testing/rest';

const rec = (name: string, fields: Array<Record<string, unknown>>, ns = 'com.example') => ({ type: 'record', name, namespace: ns, fields });
const S1 = rec('User', [{ name: 'name', type: 'string' }]);
const S2 = rec('User', [{ name: 'name', type: 'string' }, { name: 'age', type: 'int', default: 0 }]);
const S3 = rec('User', [{ name: 'name', type: 'string' }, { name: 'age', type: 'int', default: 0 }, { name: 'email', type: ['null', 'string'], default: null }]);
const canon = (o: object) => JSON.stringify(o);

let r: TestRegistry;
beforeEach(() => {
  r = testRegistry();
});

describe('root, metadata and types', () => {
  it('GET / is {}, GET /schemas/types lists the three formats', async () => {
    expect((await r.call('GET', '/')).body).toEqual({});
    expect((await r.call('POST', '/', {})).body).toEqual({});
    const t = await r.call('GET', '/schemas/types');
    expect(new Set(t.body)).toEqual(new Set(['JSON', 'PROTOBUF', 'AVRO']));
  });
  it('GET /v1/metadata/id and /version', async () => {
    const a = testRegistry({}, { kafkaClusterId: 'abc', groupId: 'schema-registry' });
    expect((await a.call('GET', '/v1/metadata/id')).body).toEqual({ scope: { path: [], clusters: { 'kafka-cluster': 'abc', 'schema-registry-cluster': 'schema-registry' } } });
    expect((await a.call('GET', '/v1/metadata/version')).body).toEqual({ version: '7.9.0', commitId: 'nagare' });
  });
});

describe('registration', () => {
  it('registers, is idempotent, and the same schema in another subject shares the id', async () => {
    expect((await r.register('s1', S1)).body).toEqual({ id: 1 });
    expect((await r.register('s1', S1)).body).toEqual({ id: 1 });
    expect((await r.register('s2', S1)).body).toEqual({ id: 1 });
    expect((await r.register('s1', S2)).body).toEqual({ id: 2 });
    expect((await r.call('GET', '/subjects/s1/versions')).body).toEqual([1, 2]);
    expect((await r.call('GET', '/subjects/s2/versions')).body).toEqual([1]);
    expect((await r.call('GET', '/schemas/ids/1/versions')).body).toEqual([
      { subject: 's1', version: 1 },
      { subject: 's2', version: 1 },
    ]);
    expect((await r.call('GET', '/schemas/ids/1/subjects')).body).toEqual(['s1', 's2']);
    // the same schema text in another layout is the same schema (canonical form)
    expect((await r.register('s3', JSON.stringify(S1, null, 4))).body).toEqual({ id: 1 });
  });

  it('stores the canonical form and returns it', async () => {
    await r.register('s1', '{ "namespace": "com.example", "type" : "record", "name":"User", "fields":[{"type":"string","name":"name"}] }');
    const v = await r.call('GET', '/subjects/s1/versions/1');
    expect(v.body).toEqual({ subject: 's1', version: 1, id: 1, schema: canon(S1) });
    expect(v.text).toBe(`{"subject":"s1","version":1,"id":1,"schema":${JSON.stringify(canon(S1))}}`);
    expect((await r.call('GET', '/schemas/ids/1')).text).toBe(`{"schema":${JSON.stringify(canon(S1))}}`);
    const raw = await r.call('GET', '/subjects/s1/versions/latest/schema');
    expect(raw.text).toBe(canon(S1));
    expect((await r.call('GET', '/schemas/ids/1/schema')).text).toBe(canon(S1));
  });

  it('version numbering continues after soft deletes, and a re-registered schema keeps its id', async () => {
    await r.register('s', S1);
    await r.register('s', S2);
    expect((await r.call('DELETE', '/subjects/s/versions/2')).body).toBe(2);
    expect((await r.call('DELETE', '/subjects/s/versions/1')).body).toBe(1);
    expect((await r.call('GET', '/subjects/s/versions')).status).toBe(404);
    expect((await r.call('GET', '/subjects/s/versions?deleted=true')).body).toEqual([1, 2]);
    expect((await r.register('s', S1)).body).toEqual({ id: 1 });
    expect((await r.call('GET', '/subjects/s/versions')).body).toEqual([3]);
    expect((await r.call('GET', '/subjects/s/versions/3')).body).toMatchObject({ version: 3, id: 1 });
    // the soft-deleted v1 with the same id was hard-deleted (tombstoned), as Confluent does
    expect((await r.call('GET', '/subjects/s/versions?deleted=true')).body).toEqual([2, 3]);
  });

  it('ids are max + 1 and never reused after a permanent delete', async () => {
    await r.register('s', S1);
    await r.register('s', S2);
    await r.call('DELETE', '/subjects/s');
    await r.call('DELETE', '/subjects/s?permanent=true');
    expect((await r.call('GET', '/schemas/ids/2')).status).toBe(404);
    expect((await r.register('t', S3)).body).toEqual({ id: 3 });
  });

  it('42201 for invalid schemas, with the parser message', async () => {
    const a = await r.register('s', '{"type":"record","name":"R"}');
    expect(a.status).toBe(422);
    expect(a.body.error_code).toBe(42201);
    expect(a.body.message).toMatch(/^Invalid schema \{subject=s,version=0,id=-1,schemaType=AVRO,references=\[\],.*\} with refs \[\] of type AVRO, details: Record has no fields: \{"type":"record","name":"R"\}$/s);
    const b = await r.register('s', 'not json');
    expect(b.body.error_code).toBe(42201);
    expect(b.body.message).toContain("Unrecognized token 'not'");
    const c = await r.register('s', rec('R', [{ name: 'a', type: 'int', default: 'x' }]));
    expect(c.body.message).toContain('Invalid default for field a: "x" not a "int"');
    const d = await r.register('s', 'syntax = "proto3"; message A { Missing m = 1; }', { schemaType: 'PROTOBUF' });
    expect(d.body).toMatchObject({ error_code: 42201 });
    expect(d.body.message).toContain("no such Type or Enum 'Missing'");
    const e = await r.register('s', '{"type": 5}', { schemaType: 'JSON' });
    expect(e.body.error_code).toBe(42201);
    const f = await r.register('s', '{}', { schemaType: 'XML' });
    expect(f.body).toEqual({ error_code: 42201, message: 'Invalid schema type XML' });
    const g = await r.register('s', '');
    expect(g.body).toEqual({ error_code: 42201, message: 'Empty schema' });
  });

  it('409 for incompatible schemas with the Avro difference, the old version and the level', async () => {
    await r.register('s', S1);
    const x = await r.register('s', rec('User', [{ name: 'name', type: 'string' }, { name: 'age', type: 'int' }]));
    expect(x.status).toBe(409);
    expect(x.body.error_code).toBe(409);
    expect(x.body.message).toBe(
      `Schema being registered is incompatible with an earlier schema for subject "s", details: [{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'The field 'age' at path '/fields/1' in the new schema has no default value and is missing in the old schema', additionalInfo:'age'}, {oldSchemaVersion: 1}, {oldSchema: '${canon(S1)}'}, {validateFields: 'false', compatibility: 'BACKWARD'}]`,
    );
    const y = await r.register('s', '{"type":"string"}', { schemaType: 'JSON' });
    expect(y.body.message).toContain('[Incompatible because of different schema type, {validateFields');
  });

  it('normalize=true registers the normalized schema (property order, aliases)', async () => {
    const a = { type: 'record', name: 'R', fields: [{ name: 'f', type: { type: 'string', b: 1, a: 2 } }] };
    const b = { type: 'record', name: 'R', fields: [{ name: 'f', type: { type: 'string', a: 2, b: 1 } }] };
    expect((await r.register('n', a, {}, '?normalize=true')).body).toEqual({ id: 1 });
    expect((await r.register('n', b, {}, '?normalize=true')).body).toEqual({ id: 1 });
    expect((await r.call('GET', '/subjects/n/versions/1/schema')).text).toBe('{"type":"record","name":"R","fields":[{"name":"f","type":{"type":"string","a":2,"b":1}}]}');
    // without normalize the other order is another schema (b is already in normalized order: id 1)
    expect((await r.register('m', a)).body).toEqual({ id: 2 });
    expect((await r.register('m', b)).body).toEqual({ id: 1 });
  });

  it('metadata and ruleSet are kept and returned', async () => {
    const metadata = { properties: { owner: 'team-a' } };
    const ruleSet = { domainRules: [{ name: 'checkName', kind: 'CONDITION', mode: 'WRITE', type: 'CEL', expr: "message.name != ''" }] };
    const a = await r.register('md', S1, { metadata, ruleSet });
    expect(a.body).toEqual({ id: 1, version: 1, metadata, ruleSet, schema: canon(S1) });
    const v = await r.call('GET', '/subjects/md/versions/1');
    expect(v.body).toEqual({ subject: 'md', version: 1, id: 1, metadata, ruleSet, schema: canon(S1) });
    expect((await r.call('GET', '/subjects/md/metadata?key=owner&value=team-a')).body).toMatchObject({ version: 1 });
    expect((await r.call('GET', '/subjects/md/metadata?key=owner&value=team-b')).body).toEqual({ error_code: 40403, message: 'Schema not found' });
    const bad = await r.register('md', S1, { ruleSet: { domainRules: [{ kind: 'CONDITION' }] } });
    expect(bad.body).toEqual({ error_code: 42210, message: 'Missing rule name' });
  });

  it('42208 for an invalid subject', async () => {
    const a = await r.register('a\u0001b', S1);
    expect(a.body).toEqual({ error_code: 42208, message: "The specified subject 'a\u0001b' is not a valid." });
  });

  it('subjects with slashes and colons', async () => {
    expect((await r.call('POST', '/subjects/a%2Fb/versions', { schema: '"string"' })).body).toEqual({ id: 1 });
    expect((await r.call('GET', '/subjects')).body).toEqual(['a/b']);
    expect((await r.call('GET', '/subjects/a%2Fb/versions/1')).body.subject).toBe('a/b');
  });
});

describe('lookup (POST /subjects/{s})', () => {
  it('finds the version of a registered schema; 40401 / 40403 otherwise', async () => {
    await r.register('s', S1);
    await r.register('s', S2);
    const a = await r.call('POST', '/subjects/s', { schema: JSON.stringify(S2, null, 2) });
    expect(a.body).toEqual({ subject: 's', version: 2, id: 2, schema: canon(S2) });
    expect((await r.call('POST', '/subjects/nosuch', { schema: canon(S1) })).body).toEqual({ error_code: 40401, message: "Subject 'nosuch' not found." });
    expect((await r.call('POST', '/subjects/s', { schema: canon(S3) })).body).toEqual({ error_code: 40403, message: 'Schema not found' });
    expect((await r.call('POST', '/subjects/s', { schema: '{' })).body.error_code).toBe(42201);
    await r.call('DELETE', '/subjects/s/versions/2');
    expect((await r.call('POST', '/subjects/s', { schema: canon(S2) })).body.error_code).toBe(40403);
    expect((await r.call('POST', '/subjects/s?deleted=true', { schema: canon(S2) })).body).toMatchObject({ version: 2, id: 2 });
  });
});

describe('reads and their errors', () => {
  it('40401, 40402, 40403 and 42202', async () => {
    await r.register('s', S1);
    expect((await r.call('GET', '/subjects/nosuch/versions')).body).toEqual({ error_code: 40401, message: "Subject 'nosuch' not found." });
    expect((await r.call('GET', '/subjects/nosuch/versions/1')).body).toEqual({ error_code: 40401, message: "Subject 'nosuch' not found." });
    expect((await r.call('GET', '/subjects/s/versions/2')).body).toEqual({ error_code: 40402, message: 'Version 2 not found.' });
    expect((await r.call('GET', '/schemas/ids/99')).body).toEqual({ error_code: 40403, message: 'Schema 99 not found' });
    expect((await r.call('GET', '/schemas/ids/99/schema')).body).toEqual({ error_code: 40403, message: 'Schema 99 not found' });
    expect((await r.call('GET', '/schemas/ids/99/subjects')).body).toEqual({ error_code: 40403, message: 'Schema not found' });
    expect((await r.call('GET', '/schemas/ids/99/versions')).body).toEqual({ error_code: 40403, message: 'Schema not found' });
    for (const v of ['abc', '0', '-2', '2147483648']) {
      const x = await r.call('GET', `/subjects/s/versions/${v}`);
      expect([x.status, x.body]).toEqual([422, { error_code: 42202, message: `The specified version '${v}' is not a valid version id. Allowed values are between [1, 2^31-1] and the string "latest"` }]);
    }
    expect((await r.call('GET', '/subjects/s/versions/-1')).body.version).toBe(1);
    expect((await r.call('GET', '/subjects/s/versions/latest')).body.version).toBe(1);
  });

  it('lists subjects by prefix with deleted, deletedOnly, offset and limit', async () => {
    for (const s of ['a1', 'a2', 'b1']) await r.register(s, S1);
    await r.call('DELETE', '/subjects/a2');
    expect((await r.call('GET', '/subjects')).body).toEqual(['a1', 'b1']);
    expect((await r.call('GET', '/subjects?deleted=true')).body).toEqual(['a1', 'a2', 'b1']);
    expect((await r.call('GET', '/subjects?deletedOnly=true')).body).toEqual(['a2']);
    expect((await r.call('GET', '/subjects?subjectPrefix=a&deleted=true')).body).toEqual(['a1', 'a2']);
    expect((await r.call('GET', '/subjects?offset=1&limit=1')).body).toEqual(['b1']);
  });

  it('GET /schemas with subjectPrefix, latestOnly, deleted; fetchMaxId', async () => {
    await r.register('x', S1);
    await r.register('x', S2);
    await r.register('y', S1);
    const all = await r.call('GET', '/schemas');
    expect(all.body.map((s: { subject: string; version: number }) => `${s.subject}/${s.version}`)).toEqual(['x/1', 'x/2', 'y/1']);
    expect((await r.call('GET', '/schemas?latestOnly=true')).body.map((s: { subject: string; version: number }) => `${s.subject}/${s.version}`)).toEqual(['x/2', 'y/1']);
    expect((await r.call('GET', '/schemas?subjectPrefix=y')).body).toEqual([{ subject: 'y', version: 1, id: 1, schema: canon(S1) }]);
    await r.call('DELETE', '/subjects/y');
    expect((await r.call('GET', '/schemas?subjectPrefix=y')).body).toEqual([]);
    expect((await r.call('GET', '/schemas?subjectPrefix=y&deleted=true')).body).toHaveLength(1);
    expect((await r.call('GET', '/schemas?limit=1&offset=1')).body).toHaveLength(1);
    expect((await r.call('GET', '/schemas/ids/1?fetchMaxId=true')).body).toEqual({ schema: canon(S1), maxId: 2 });
  });
});

describe('deletes', () => {
  it('subjects: soft, 40404 when already soft-deleted, permanent, 40405 without a soft delete first', async () => {
    await r.register('s', S1);
    await r.register('s', S2);
    expect((await r.call('DELETE', '/subjects/s?permanent=true')).body).toEqual({ error_code: 40405, message: "Subject 's' was not deleted first before being permanently deleted" });
    expect((await r.call('DELETE', '/subjects/s')).body).toEqual([1, 2]);
    expect((await r.call('GET', '/subjects')).body).toEqual([]);
    expect((await r.call('GET', '/subjects/s/versions/1')).status).toBe(404);
    expect((await r.call('GET', '/subjects/s/versions/1?deleted=true')).body).toMatchObject({ version: 1, id: 1 });
    expect((await r.call('GET', '/schemas/ids/1')).body).toEqual({ schema: canon(S1) });
    expect((await r.call('DELETE', '/subjects/s')).body).toEqual({ error_code: 40404, message: "Subject 's' was soft deleted.Set permanent=true to delete permanently" });
    expect((await r.call('DELETE', '/subjects/s?permanent=true')).body).toEqual([1, 2]);
    expect((await r.call('DELETE', '/subjects/s')).body).toEqual({ error_code: 40401, message: "Subject 's' not found." });
    expect((await r.call('GET', '/schemas/ids/1')).status).toBe(404);
  });

  it('versions: soft, 40406, permanent, 40407, latest', async () => {
    await r.register('s', S1);
    await r.register('s', S2);
    expect((await r.call('DELETE', '/subjects/s/versions/1?permanent=true')).body).toEqual({ error_code: 40407, message: "Subject 's' Version 1 was not deleted first before being permanently deleted" });
    expect((await r.call('DELETE', '/subjects/s/versions/latest')).body).toBe(2);
    expect((await r.call('GET', '/subjects/s/versions/latest')).body.version).toBe(1);
    expect((await r.call('DELETE', '/subjects/s/versions/2')).body).toEqual({ error_code: 40406, message: "Subject 's' Version 2 was soft deleted.Set permanent=true to delete permanently" });
    expect((await r.call('DELETE', '/subjects/s/versions/2?permanent=true')).body).toBe(2);
    expect((await r.call('GET', '/subjects/s/versions?deleted=true')).body).toEqual([1]);
    expect((await r.call('DELETE', '/subjects/s/versions/7')).body).toEqual({ error_code: 40402, message: 'Version 7 not found.' });
    expect((await r.call('DELETE', '/subjects/nosuch/versions/1')).body).toEqual({ error_code: 40401, message: "Subject 'nosuch' not found." });
    expect((await r.call('DELETE', '/subjects/s/versions/x')).body.error_code).toBe(42202);
  });
});

describe('references', () => {
  const ADDRESS = rec('Address', [{ name: 'street', type: 'string' }]);
  const PERSON = rec('Person', [{ name: 'name', type: 'string' }, { name: 'home', type: 'com.example.Address' }]);

  it('Avro: registering with references, referencedby, and 42206 for deleting what is referenced', async () => {
    expect((await r.register('address', ADDRESS)).body).toEqual({ id: 1 });
    const p = await r.register('person', PERSON, { references: [{ name: 'com.example.Address', subject: 'address', version: 1 }] });
    expect(p.body).toEqual({ id: 2 });
    const v = await r.call('GET', '/subjects/person/versions/1');
    expect(v.body).toEqual({ subject: 'person', version: 1, id: 2, references: [{ name: 'com.example.Address', subject: 'address', version: 1 }], schema: canon(PERSON).replace('"type":"com.example.Address"', '"type":"Address"') });
    expect((await r.call('GET', '/schemas/ids/2')).body.references).toEqual([{ name: 'com.example.Address', subject: 'address', version: 1 }]);
    expect((await r.call('GET', '/subjects/address/versions/1/referencedby')).body).toEqual([2]);
    expect((await r.call('DELETE', '/subjects/address/versions/1')).body).toEqual({ error_code: 42206, message: 'One or more references exist to the schema {magic=1,keytype=SCHEMA,subject=address,version=1}.' });
    expect((await r.call('DELETE', '/subjects/address')).body.error_code).toBe(42206);
    // once the referrer is gone, the reference can go
    await r.call('DELETE', '/subjects/person');
    expect((await r.call('GET', '/subjects/address/versions/1/referencedby')).body).toEqual([]);
    expect((await r.call('DELETE', '/subjects/address')).body).toEqual([1]);
  });

  it('unknown references are 42201', async () => {
    const p = await r.register('person', PERSON, { references: [{ name: 'com.example.Address', subject: 'address', version: 1 }] });
    expect(p.body.error_code).toBe(42201);
    expect(p.body.message).toContain('No schema reference found for subject "address" and version 1');
    const q = await r.register('person', PERSON);
    expect(q.body.message).toContain('"com.example.Address" is not a defined name');
  });

  it('Protobuf imports and JSON Schema $refs', async () => {
    await r.register('common.proto', 'syntax = "proto3";\npackage common;\nmessage Money { int64 cents = 1; }\n', { schemaType: 'PROTOBUF' });
    const o = await r.register('order', 'syntax = "proto3";\npackage shop;\nimport "common.proto";\nmessage Order { common.Money total = 1; }\n', { schemaType: 'PROTOBUF', references: [{ name: 'common.proto', subject: 'common.proto', version: 1 }] });
    expect(o.body).toEqual({ id: 2 });
    await r.register('addr.json', { type: 'object', properties: { street: { type: 'string' } } }, { schemaType: 'JSON' });
    const j = await r.register('person.json', { type: 'object', properties: { home: { $ref: 'addr.json' } } }, { schemaType: 'JSON', references: [{ name: 'addr.json', subject: 'addr.json', version: 1 }] });
    expect(j.body).toEqual({ id: 4 });
    expect((await r.register('person2.json', { type: 'object', properties: { home: { $ref: 'other.json' } } }, { schemaType: 'JSON' })).body.error_code).toBe(42201);
  });
});

describe('config', () => {
  it('global and subject levels, all 7 levels, defaultToGlobal, 40408, 42203, deletes', async () => {
    expect((await r.call('GET', '/config')).body).toEqual({ compatibilityLevel: 'BACKWARD' });
    for (const level of ['NONE', 'BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE']) {
      expect((await r.call('PUT', '/config/s', { compatibility: level.toLowerCase() })).body).toEqual({ compatibility: level });
      expect((await r.call('GET', '/config/s')).body).toEqual({ compatibilityLevel: level });
    }
    expect((await r.call('PUT', '/config', { compatibility: 'INVALID' })).body).toEqual({
      error_code: 42203,
      message: 'Invalid compatibility level. Valid values are none, backward, forward, full, backward_transitive, forward_transitive, and full_transitive',
    });
    expect((await r.call('GET', '/config/other')).body).toEqual({ error_code: 40408, message: "Subject 'other' does not have subject-level compatibility configured" });
    expect((await r.call('GET', '/config/other?defaultToGlobal=true')).body).toEqual({ compatibilityLevel: 'BACKWARD' });
    expect((await r.call('PUT', '/config', { compatibility: 'FULL' })).body).toEqual({ compatibility: 'FULL' });
    expect((await r.call('GET', '/config/other?defaultToGlobal=true')).body).toEqual({ compatibilityLevel: 'FULL' });
    expect((await r.call('PUT', '/config/s', { normalize: true })).body).toEqual({ normalize: true, compatibility: 'FULL_TRANSITIVE' });
    expect((await r.call('DELETE', '/config/s')).body).toEqual({ normalize: true, compatibilityLevel: 'FULL_TRANSITIVE' });
    expect((await r.call('DELETE', '/config/s')).body).toEqual({ error_code: 40401, message: "Subject 's' not found." });
    expect((await r.call('DELETE', '/config')).body).toEqual({ compatibilityLevel: 'FULL' });
    expect((await r.call('GET', '/config')).body).toEqual({ compatibilityLevel: 'BACKWARD' });
  });

  it('the subject level decides registration', async () => {
    await r.register('s', S1);
    const incompatible = rec('User', [{ name: 'other', type: 'int' }]);
    expect((await r.register('s', incompatible)).status).toBe(409);
    await r.call('PUT', '/config/s', { compatibility: 'NONE' });
    expect((await r.register('s', incompatible)).body).toEqual({ id: 2 });
  });
});

describe('modes', () => {
  it('READWRITE by default; READONLY refuses writes (42205); 40409; 42204; FORWARD only globally', async () => {
    expect((await r.call('GET', '/mode')).body).toEqual({ mode: 'READWRITE' });
    expect((await r.call('GET', '/mode/s')).body).toEqual({ error_code: 40409, message: "Subject 's' does not have subject-level mode configured" });
    expect((await r.call('GET', '/mode/s?defaultToGlobal=true')).body).toEqual({ mode: 'READWRITE' });
    expect((await r.call('PUT', '/mode/s', { mode: 'READONLY' })).body).toEqual({ mode: 'READONLY' });
    expect((await r.call('GET', '/mode/s')).body).toEqual({ mode: 'READONLY' });
    expect((await r.register('s', S1)).body).toEqual({ error_code: 42205, message: 'Subject s in context  is in read-only mode' });
    expect((await r.register('t', S1)).body).toEqual({ id: 1 });
    expect((await r.call('PUT', '/mode/s', { mode: 'NOPE' })).body).toEqual({ error_code: 42204, message: 'Invalid mode. Valid values are READWRITE, READONLY, IMPORT and FORWARD.' });
    expect((await r.call('PUT', '/mode/s', { mode: 'FORWARD' })).body).toEqual({ error_code: 42204, message: 'Forward mode only supported on global level' });
    expect((await r.call('DELETE', '/mode/s')).body).toEqual({ mode: 'READONLY' });
    expect((await r.call('DELETE', '/mode/s')).body).toEqual({ error_code: 40401, message: "Subject 's' not found." });
    expect((await r.register('s', S1)).body).toEqual({ id: 1 });
  });

  it('READONLY_OVERRIDE globally overrides subject modes', async () => {
    await r.call('PUT', '/mode/s', { mode: 'READWRITE' });
    await r.call('PUT', '/mode', { mode: 'READONLY_OVERRIDE' });
    expect((await r.call('GET', '/mode/s')).body).toEqual({ mode: 'READONLY_OVERRIDE' });
    expect((await r.register('s', S1)).body.error_code).toBe(42205);
    await r.call('PUT', '/mode', { mode: 'READWRITE' });
    expect((await r.register('s', S1)).body).toEqual({ id: 1 });
  });

  it('IMPORT: only on an empty registry (or force), explicit ids and versions, no compatibility check', async () => {
    await r.register('s', S1);
    expect((await r.call('PUT', '/mode', { mode: 'IMPORT' })).body).toEqual({ error_code: 42205, message: 'Cannot import since found existing subjects' });
    expect((await r.register('s', S2, { id: 100, version: 5 })).body).toEqual({ error_code: 42205, message: 'Subject s is not in import or forward mode' });
    const e = testRegistry();
    expect((await e.call('PUT', '/mode', { mode: 'IMPORT' })).body).toEqual({ mode: 'IMPORT' });
    expect((await e.register('imp', S1, { id: 100, version: 5 })).body).toEqual({ id: 100 });
    expect((await e.register('imp', rec('User', [{ name: 'x', type: 'int' }]), { id: 101, version: 6 })).body).toEqual({ id: 101 });
    expect((await e.register('imp', S3, { id: 100, version: 7 })).body).toEqual({ error_code: 42205, message: 'Overwrite new schema with id 100 in context  is not permitted.' });
    expect((await e.register('imp2', S1)).body).toEqual({ error_code: 42205, message: 'Subject imp2 in context  is not in read-write mode' });
    expect((await e.call('GET', '/subjects/imp/versions')).body).toEqual([5, 6]);
    expect((await e.call('GET', '/schemas/ids/100')).body).toEqual({ schema: canon(S1) });
    await e.call('PUT', '/mode', { mode: 'READWRITE' });
    expect((await e.register('new', S3)).body).toEqual({ id: 102 });
    // force switches to IMPORT with subjects present
    expect((await r.call('PUT', '/mode?force=true', { mode: 'IMPORT' })).body).toEqual({ mode: 'IMPORT' });
  });

  it('mode.mutability=false refuses mode changes', async () => {
    const m = testRegistry({ modeMutability: false });
    expect((await m.call('PUT', '/mode', { mode: 'READONLY' })).body).toEqual({ error_code: 42205, message: 'Mode changes are not allowed' });
  });
});

describe('compatibility endpoint', () => {
  it('against a version, against the subject, verbose messages, 40402, non-existent subject is compatible', async () => {
    expect((await r.call('POST', '/compatibility/subjects/nosuch/versions/latest', { schema: canon(S1) })).body).toEqual({ is_compatible: true });
    await r.register('s', S1);
    expect((await r.call('POST', '/compatibility/subjects/s/versions/latest', { schema: canon(S2) })).body).toEqual({ is_compatible: true });
    const bad = rec('User', [{ name: 'name', type: 'int' }]);
    expect((await r.call('POST', '/compatibility/subjects/s/versions/1', { schema: canon(bad) })).body).toEqual({ is_compatible: false });
    const v = await r.call('POST', '/compatibility/subjects/s/versions?verbose=true', { schema: canon(bad) });
    expect(v.body.is_compatible).toBe(false);
    expect(v.body.messages[0]).toBe("{errorType:'TYPE_MISMATCH', description:'The type (path '/fields/0/type') of a field in the new schema does not match with the old schema', additionalInfo:'reader type: INT not compatible with writer type: STRING'}");
    expect(v.body.messages.slice(1)).toEqual(['{oldSchemaVersion: 1}', `{oldSchema: '${canon(S1)}'}`, "{validateFields: 'false', compatibility: 'BACKWARD'}"]);
    expect((await r.call('POST', '/compatibility/subjects/s/versions/9', { schema: canon(S2) })).body).toEqual({ error_code: 40402, message: 'Version 9 not found.' });
    expect((await r.call('POST', '/compatibility/subjects/s/versions/latest', { schema: '{' })).body.error_code).toBe(42201);
    const verr = await r.call('POST', '/compatibility/subjects/s/versions/latest?verbose=true', { schema: '{' });
    expect(verr.body.is_compatible).toBe(false);
    expect(verr.body.messages[0]).toContain('Invalid schema');
  });
});

describe('contexts', () => {
  it('qualified subjects live in their context with their own ids; /contexts lists them', async () => {
    expect((await r.call('GET', '/contexts')).body).toEqual(['.']);
    await r.register('s', S1);
    expect((await r.register(':.ctx1:s', S2)).body).toEqual({ id: 1 });
    expect((await r.register(':.ctx1:t', S1)).body).toEqual({ id: 2 });
    expect((await r.call('GET', '/contexts')).body).toEqual(['.', '.ctx1']);
    expect((await r.call('GET', '/subjects')).body).toEqual([':.ctx1:s', ':.ctx1:t', 's']);
    expect((await r.call('GET', '/subjects?subjectPrefix=:.ctx1:')).body).toEqual([':.ctx1:s', ':.ctx1:t']);
    expect((await r.call('GET', '/schemas/ids/1')).body).toEqual({ schema: canon(S1) });
    expect((await r.call('GET', '/schemas/ids/1?subject=:.ctx1:s')).body).toEqual({ schema: canon(S2) });
    expect((await r.call('GET', '/subjects/:.ctx1:s/versions/1')).body).toEqual({ subject: ':.ctx1:s', version: 1, id: 1, schema: canon(S2) });
    // the default context is :.:
    expect((await r.call('GET', '/subjects/:.:s/versions/1')).body.subject).toBe('s');
    // unqualified lookups fall back to the contexts
    expect((await r.call('GET', '/subjects/t/versions/1')).body.subject).toBe(':.ctx1:t');
    expect((await r.call('PUT', '/config/:.ctx1:', { compatibility: 'NONE' })).body).toEqual({ compatibility: 'NONE' });
    expect((await r.call('GET', '/config/:.ctx1:s?defaultToGlobal=true')).body).toEqual({ compatibilityLevel: 'NONE' });
    expect((await r.register(':.ctx1:s', rec('Other', [{ name: 'x', type: 'int' }]))).body).toEqual({ id: 3 });
  });
});

describe('HTTP: content types, bodies, paths', () => {
  it('answers in the negotiated media type; 406 when none fits', async () => {
    await r.register('s', S1);
    expect((await r.call('GET', '/subjects')).type).toMatch(/^application\/vnd\.schemaregistry\.v1\+json/);
    expect((await r.call('GET', '/subjects', undefined, { accept: 'application/json' })).type).toMatch(/^application\/json/);
    expect((await r.call('GET', '/subjects', undefined, { accept: 'application/vnd.schemaregistry+json' })).type).toMatch(/^application\/vnd\.schemaregistry\+json/);
    expect((await r.call('GET', '/subjects', undefined, { accept: '*/*' })).type).toMatch(/^application\/vnd\.schemaregistry\.v1\+json/);
    const x = await r.call('GET', '/subjects', undefined, { accept: 'text/html' });
    expect([x.status, x.body]).toEqual([406, { error_code: 406, message: 'HTTP 406 Not Acceptable' }]);
  });

  it('accepts the Confluent request types; 415 for others', async () => {
    for (const ct of ['application/vnd.schemaregistry.v1+json', 'application/vnd.schemaregistry+json', 'application/json', 'application/octet-stream', 'application/json; charset=utf-8']) {
      expect((await r.call('POST', '/subjects/ct/versions', { schema: canon(S1) }, { 'content-type': ct })).body).toEqual({ id: 1 });
    }
    const t = await r.call('POST', '/subjects/ct/versions', { schema: canon(S1) }, { 'content-type': 'text/plain' });
    expect([t.status, t.body]).toEqual([415, { error_code: 415, message: 'HTTP 415 Unsupported Media Type' }]);
  });

  it('malformed JSON is 400, a missing body 422, wrong field types 422, huge bodies 413', async () => {
    const a = await r.call('POST', '/subjects/s/versions', '{"schema": ');
    expect(a.status).toBe(400);
    expect(a.body.error_code).toBe(400);
    const b = await r.call('POST', '/subjects/s/versions');
    expect([b.status, b.body.error_code]).toEqual([422, 422]);
    const c = await r.call('POST', '/subjects/s/versions', { schema: { type: 'string' } });
    expect([c.status, c.body.error_code]).toEqual([422, 422]);
    expect(c.body.message).toContain('field "schema"');
    const d = await r.call('POST', '/subjects/s/versions', { schema: canon(S1), references: 'x' });
    expect(d.body.error_code).toBe(422);
    const small = testRegistry({}, { bodyLimit: 1000 });
    const e = await small.call('POST', '/subjects/s/versions', { schema: 'x'.repeat(5000) });
    expect([e.status, e.body]).toEqual([413, { error_code: 413, message: 'Request entity too large: the body exceeds 1000 bytes' }]);
    // and the registry keeps serving
    expect((await small.register('s', S1)).body).toEqual({ id: 1 });
  });

  it('a schema larger than the store accepts is 42209', async () => {
    r.log.maxRecordBytes = 2000;
    const big = rec('Big', Array.from({ length: 100 }, (_, i) => ({ name: `field_number_${i}`, type: 'string' })));
    expect((await r.register('big', big)).body).toEqual({ error_code: 42209, message: 'Register operation failed because schema is too large' });
  });

  it('404 for unknown paths and malformed ints, 405 for other methods', async () => {
    expect((await r.call('GET', '/nosuch')).body).toEqual({ error_code: 404, message: 'HTTP 404 Not Found' });
    expect((await r.call('GET', '/schemas/ids/abc')).body).toEqual({ error_code: 404, message: 'HTTP 404 Not Found' });
    expect((await r.call('GET', '/subjects?limit=x')).body).toEqual({ error_code: 404, message: 'HTTP 404 Not Found' });
    expect((await r.call('PATCH', '/subjects')).body).toEqual({ error_code: 405, message: 'HTTP 405 Method Not Allowed' });
    expect((await r.call('PUT', '/subjects/x/versions')).body).toEqual({ error_code: 405, message: 'HTTP 405 Method Not Allowed' });
  });
});

describe('followers', () => {
  it('a follower without a known leader answers writes with 50004 and reads normally', async () => {
    const f = testRegistry({}, { leader: { isLeader: () => false, leaderUrl: () => null } });
    expect((await f.register('s', S1)).body).toEqual({ error_code: 50004, message: 'Leader not known.' });
    expect((await f.call('PUT', '/config', { compatibility: 'FULL' })).body).toEqual({ error_code: 50004, message: 'Failed to update compatibility level' });
    expect((await f.call('GET', '/subjects')).body).toEqual([]);
  });

  it('a follower whose leader is unreachable answers 50003', async () => {
    const f = testRegistry({}, { leader: { isLeader: () => false, leaderUrl: () => 'http://127.0.0.1:1' } });
    expect((await f.register('s', S1)).body).toEqual({ error_code: 50003, message: 'Error while forwarding register schema request to the leader' });
  });
});
