/**
 * The `_schemas` records, byte for byte as Confluent's registry writes them,
 * and a registry taking over a log written by Confluent's (records as
 * `SchemaRegistrySerializer` writes them, including ones nagare never
 * writes: unknown key types are skipped).
 */
import { testRegistry } from '../testing/rest';
import { MemorySchemaLog } from './log';
import { deserializeKey, deserializeValue, serializeKey, serializeValue } from './records';
import { SchemaRegistry } from '../registry';
import { buildRestServer } from '../rest';

const rec = (k: string, v: string | null) => ({ key: Buffer.from(k), value: v === null ? null : Buffer.from(v) });

describe('record format', () => {
  it('keys and values in Confluent’s JSON', () => {
    const cases: Array<[Parameters<typeof serializeKey>[0], Parameters<typeof serializeValue>[1], string, string | null]> = [
      [{ keytype: 'SCHEMA', subject: 's', version: 1 }, { subject: 's', version: 1, id: 3, schemaType: 'AVRO', references: [], schema: '"string"', deleted: false }, '{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}', '{"subject":"s","version":1,"id":3,"schema":"\\"string\\"","deleted":false}'],
      [
        { keytype: 'SCHEMA', subject: 'p', version: 2 },
        { subject: 'p', version: 2, id: 4, schemaType: 'PROTOBUF', references: [{ name: 'a.proto', subject: 'a', version: 1 }], schema: 'x', deleted: true },
        '{"keytype":"SCHEMA","subject":"p","version":2,"magic":1}',
        '{"subject":"p","version":2,"id":4,"schemaType":"PROTOBUF","references":[{"name":"a.proto","subject":"a","version":1}],"schema":"x","deleted":true}',
      ],
      [{ keytype: 'SCHEMA', subject: 's', version: 1 }, null, '{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}', null],
      [{ keytype: 'CONFIG', subject: null }, { compatibilityLevel: 'FULL' }, '{"keytype":"CONFIG","magic":0}', '{"compatibilityLevel":"FULL"}'],
      [{ keytype: 'CONFIG', subject: 's' }, { subject: 's', normalize: true, compatibilityLevel: 'NONE' }, '{"keytype":"CONFIG","subject":"s","magic":0}', '{"subject":"s","normalize":true,"compatibilityLevel":"NONE"}'],
      [{ keytype: 'MODE', subject: 's' }, { subject: 's', mode: 'IMPORT' }, '{"keytype":"MODE","subject":"s","magic":0}', '{"subject":"s","mode":"IMPORT"}'],
      [{ keytype: 'DELETE_SUBJECT', subject: 's' }, { subject: 's', version: 3 }, '{"keytype":"DELETE_SUBJECT","subject":"s","magic":0}', '{"subject":"s","version":3}'],
      [{ keytype: 'CLEAR_SUBJECT', subject: 's' }, { subject: 's' }, '{"keytype":"CLEAR_SUBJECT","subject":"s","magic":0}', '{"subject":"s"}'],
      [{ keytype: 'CONTEXT', tenant: 'default', context: '.ctx' }, { tenant: 'default', context: '.ctx' }, '{"keytype":"CONTEXT","tenant":"default","context":".ctx","magic":0}', '{"tenant":"default","context":".ctx"}'],
      [{ keytype: 'NOOP' }, null, '{"keytype":"NOOP","magic":0}', null],
    ];
    for (const [k, v, ks, vs] of cases) {
      expect(serializeKey(k).toString()).toBe(ks);
      expect(serializeValue(k, v)?.toString() ?? null).toBe(vs);
      const back = deserializeKey(Buffer.from(ks))!;
      expect(back.keytype).toBe(k.keytype);
      if (vs !== null) expect(deserializeValue(back, Buffer.from(vs))).toMatchObject(k.keytype === 'SCHEMA' ? { id: (v as { id: number }).id } : {});
    }
  });

  it('what a registration writes', async () => {
    const r = testRegistry();
    await r.register('s', '{"type":"string"}');
    await r.call('PUT', '/config/s', { compatibility: 'FULL' });
    await r.call('DELETE', '/subjects/s');
    await r.register(':.ctx:t', '"int"');
    expect(r.log.records.map((x) => [x.key.toString(), x.value?.toString() ?? null])).toEqual([
      ['{"keytype":"SCHEMA","subject":"s","version":1,"magic":1}', '{"subject":"s","version":1,"id":1,"schema":"\\"string\\"","deleted":false}'],
      ['{"keytype":"CONFIG","subject":"s","magic":0}', '{"subject":"s","compatibilityLevel":"FULL"}'],
      ['{"keytype":"DELETE_SUBJECT","subject":"s","magic":0}', '{"subject":"s","version":1}'],
      ['{"keytype":"CONTEXT","tenant":"default","context":".ctx","magic":0}', '{"tenant":"default","context":".ctx"}'],
      ['{"keytype":"SCHEMA","subject":":.ctx:t","version":1,"magic":1}', '{"subject":":.ctx:t","version":1,"id":1,"schema":"\\"int\\"","deleted":false}'],
    ]);
  });
});

describe('taking over a log written by Confluent’s registry', () => {
  it('replays schemas, deletes, configs, modes and contexts, skips what it does not know, and continues the ids', async () => {
    const log = new MemorySchemaLog([
      rec('{"keytype":"NOOP","magic":0}', null),
      rec('{"keytype":"CONFIG","subject":null,"magic":0}', '{"compatibilityLevel":"FULL"}'),
      rec('{"keytype":"SCHEMA","subject":"orders-value","version":1,"magic":1}', '{"subject":"orders-value","version":1,"id":7,"schema":"{\\"type\\":\\"record\\",\\"name\\":\\"Order\\",\\"fields\\":[{\\"name\\":\\"id\\",\\"type\\":\\"string\\"}]}","deleted":false}'),
      rec('{"keytype":"SCHEMA","subject":"orders-value","version":2,"magic":1}', '{"subject":"orders-value","version":2,"id":9,"schema":"{\\"type\\":\\"record\\",\\"name\\":\\"Order\\",\\"fields\\":[{\\"name\\":\\"id\\",\\"type\\":\\"string\\"},{\\"name\\":\\"n\\",\\"type\\":\\"int\\",\\"default\\":0}]}","deleted":false}'),
      rec('{"keytype":"SCHEMA","subject":"old","version":1,"magic":1}', '{"subject":"old","version":1,"id":8,"schemaType":"PROTOBUF","schema":"syntax = \\"proto3\\";\\nmessage M {\\n  string a = 1;\\n}\\n","deleted":false}'),
      rec('{"keytype":"DELETE_SUBJECT","subject":"old","magic":0}', '{"subject":"old","version":1}'),
      rec('{"keytype":"MODE","subject":"locked","magic":0}', '{"subject":"locked","mode":"READONLY"}'),
      rec('{"keytype":"CONTEXT","tenant":"default","context":".other"}', '{"tenant":"default","context":".other"}'),
      rec('{"keytype":"SOMETHING_NEW","magic":0}', '{}'),
      rec('{"keytype":"CONFIG","subject":"orders-value","magic":0}', '{"compatibilityLevel":"NONE"}'),
      rec('{"keytype":"CONFIG","subject":"orders-value","magic":0}', null),
    ]);
    const app = buildRestServer(new SchemaRegistry({ log }));
    const get = async (url: string) => JSON.parse((await app.inject({ method: 'GET', url })).body);
    expect(await get('/subjects')).toEqual(['orders-value']);
    expect(await get('/subjects?deleted=true')).toEqual(['old', 'orders-value']);
    expect(await get('/config')).toEqual({ compatibilityLevel: 'FULL' });
    expect(await get('/config/orders-value')).toMatchObject({ error_code: 40408 });
    expect(await get('/mode/locked')).toEqual({ mode: 'READONLY' });
    expect(await get('/contexts')).toEqual(['.', '.other']);
    expect((await get('/schemas/ids/8')).schemaType).toBe('PROTOBUF');
    expect(await get('/subjects/orders-value/versions/latest')).toMatchObject({ version: 2, id: 9 });
    // the next id is max + 1
    const res = await app.inject({ method: 'POST', url: '/subjects/new/versions', headers: { 'content-type': 'application/json' }, payload: { schema: '"bytes"' } });
    expect(JSON.parse(res.body)).toEqual({ id: 10 });
    // FULL (global) applies: an incompatible version is refused
    const bad = await app.inject({ method: 'POST', url: '/subjects/orders-value/versions', headers: { 'content-type': 'application/json' }, payload: { schema: '{"type":"record","name":"Order","fields":[{"name":"id","type":"int"}]}' } });
    expect(bad.statusCode).toBe(409);
  });
});
