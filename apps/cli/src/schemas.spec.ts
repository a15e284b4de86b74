/**
 * `nagare schemas` against a real registry (the REST API of
 * @nagare/schema-registry over an in-memory log, listening on a free
 * port): list, get, register -f, compat check, config, delete, and the
 * errors (unreachable registry, unknown subject, bad file).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { MemorySchemaLog, SchemaRegistry, buildRestServer } from '@nagare/schema-registry';
import { cleanupAll, cli, requireBuilt, tempDir } from './testing/harness';

let app: FastifyInstance;
let url: string;
let dir: string;

beforeAll(async () => {
  requireBuilt();
  app = buildRestServer(new SchemaRegistry({ log: new MemorySchemaLog() }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  dir = tempDir();
});
afterAll(async () => {
  await app.close();
  await cleanupAll();
});

const nagare = (...args: string[]) => cli('nagare', ['schemas', ...args, '--url', url]);

const v1 = { type: 'record', name: 'User', namespace: 'com.example', fields: [{ name: 'name', type: 'string' }] };
const v2 = { ...v1, fields: [...v1.fields, { name: 'age', type: 'int', default: 0 }] };
const bad = { ...v1, fields: [...v1.fields, { name: 'email', type: 'string' }] };

test('register -f, list, get, compat check, config, delete', async () => {
  writeFileSync(join(dir, 'v1.avsc'), JSON.stringify(v1));
  writeFileSync(join(dir, 'v2.avsc'), JSON.stringify(v2));
  writeFileSync(join(dir, 'bad.avsc'), JSON.stringify(bad));
  writeFileSync(join(dir, 'order.proto'), 'syntax = "proto3";\npackage shop;\nmessage Order { string id = 1; }\n');

  let r = await nagare('register', 'users-value', '-f', join(dir, 'v1.avsc'));
  expect([r.code, r.stdout, r.stderr]).toEqual([0, 'registered under users-value version 1 with id 1\n', '']);
  r = await nagare('register', 'orders-value', '-f', join(dir, 'order.proto'));
  expect(r.stdout).toBe('registered under orders-value version 1 with id 2\n');

  r = await nagare('list');
  expect(r.stdout).toBe('orders-value\nusers-value\n');
  r = await nagare('list', '--prefix', 'users', '--output', 'json');
  expect(JSON.parse(r.stdout)).toEqual(['users-value']);

  r = await nagare('get', 'orders-value');
  expect(r.stdout).toBe('subject orders-value, version 1, id 2, type PROTOBUF\nsyntax = "proto3";\npackage shop;\n\nmessage Order {\n  string id = 1;\n}\n');
  r = await nagare('get', '--id', '1', '--output', 'json');
  expect(JSON.parse(r.stdout)).toEqual({ schema: JSON.stringify(v1) });

  r = await nagare('compat', 'check', 'users-value', '-f', join(dir, 'v2.avsc'));
  expect([r.code, r.stdout]).toEqual([0, 'compatible with users-value\n']);
  r = await nagare('compat', 'check', 'users-value', '-f', join(dir, 'bad.avsc'));
  expect(r.code).toBe(1);
  expect(r.stdout).toContain('NOT compatible with users-value:\n');
  expect(r.stdout).toContain("READER_FIELD_MISSING_DEFAULT_VALUE");

  r = await nagare('config');
  expect(r.stdout).toBe('BACKWARD\n');
  r = await nagare('config', 'users-value', '--set', 'full');
  expect(r.stdout).toBe('compatibility of users-value set to FULL\n');
  r = await nagare('config', 'users-value');
  expect(r.stdout).toBe('FULL\n');

  r = await nagare('delete', 'users-value');
  expect(r.stdout).toBe('soft-deleted users-value versions 1\n');
  r = await nagare('delete', 'users-value', '--permanent');
  expect(r.stdout).toBe('permanently deleted users-value versions 1\n');
  r = await nagare('list');
  expect(r.stdout).toBe('orders-value\n');
});

test('errors are one line naming the fix, exit status 1', async () => {
  let r = await nagare('get', 'nosuch');
  expect([r.code, r.stderr]).toEqual([1, "nagare schemas: Subject 'nosuch' not found. (error code 40401)\n"]);
  r = await nagare('register', 'x', '-f', join(dir, 'missing.avsc'));
  expect(r.stderr).toBe(`nagare schemas: ${join(dir, 'missing.avsc')} does not exist\n`);
  writeFileSync(join(dir, 'broken.avsc'), '{"type":"record","name":"R"}');
  r = await nagare('register', 'x', '-f', join(dir, 'broken.avsc'));
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/^nagare schemas: Invalid schema .*details: Record has no fields: .* \(error code 42201\)\n$/s);
  r = await cli('nagare', ['schemas', 'list', '--url', 'http://127.0.0.1:1']);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/^nagare schemas: cannot reach the schema registry at http:\/\/127\.0\.0\.1:1 \(.*\): is it running\? Start one with `npm start` or `schema-registry-start schema-registry\.properties`, or pass --url\n$/);
});
