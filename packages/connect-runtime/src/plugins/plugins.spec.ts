/**
 * Plugin discovery: built-ins by class name and alias, plugin.path
 * directories of JS modules and npm packages, and Kafka's lookup error.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinPlugins } from './builtin';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'nagare-plugins-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('built-in converters resolve by FQCN, simple name and pruned alias', () => {
  const p = builtinPlugins();
  for (const n of ['org.apache.kafka.connect.json.JsonConverter', 'JsonConverter', 'Json']) expect(p.find(n)?.className).toBe('org.apache.kafka.connect.json.JsonConverter');
  expect(p.find('StringConverter')?.className).toBe('org.apache.kafka.connect.storage.StringConverter');
  expect(p.find('SimpleHeaderConverter')?.type).toBe('header_converter');
  expect(() => p.resolve('NoSuch', ['source', 'sink'])).toThrow('Failed to find any class that implements Connector and which name matches NoSuch');
});

test('plugin.path: a JS module file and an npm package directory exporting connector classes', () => {
  const mod = `
    const api = require(${JSON.stringify(require.resolve('@nagare/connect-api'))});
    class MyTask extends api.SourceTask { version() { return '1.2.3'; } start() {} poll() { return null; } stop() {} }
    class MySourceConnector extends api.SourceConnector {
      static className = 'com.example.MySourceConnector';
      version() { return '1.2.3'; } start() {} taskClass() { return MyTask; } taskConfigs() { return [{}]; } stop() {} config() { return new api.ConfigDef(); }
    }
    module.exports = { MySourceConnector, MyTask };`;
  mkdirSync(join(dir, 'plugins', 'pkg'), { recursive: true });
  writeFileSync(join(dir, 'plugins', 'my-source.js'), mod);
  writeFileSync(join(dir, 'plugins', 'pkg', 'package.json'), JSON.stringify({ name: 'my-sink', main: 'main.js' }));
  writeFileSync(
    join(dir, 'plugins', 'pkg', 'main.js'),
    `const api = require(${JSON.stringify(require.resolve('@nagare/connect-api'))});
     class T extends api.SinkTask { version() { return '9'; } start() {} put() {} stop() {} }
     exports.AcmeSinkConnector = class AcmeSinkConnector extends api.SinkConnector { version() { return '9'; } start() {} taskClass() { return T; } taskConfigs() { return [{}]; } stop() {} config() { return new api.ConfigDef(); } };`,
  );
  const p = builtinPlugins();
  p.loadPluginPath(`${join(dir, 'plugins')}, /does/not/exist`);
  expect(p.find('com.example.MySourceConnector')).toMatchObject({ type: 'source', version: '1.2.3' });
  expect(p.find('MySource')?.className).toBe('com.example.MySourceConnector');
  expect(p.find('AcmeSink')).toMatchObject({ className: 'AcmeSinkConnector', type: 'sink', version: '9' });
  expect(p.find('MyTask')).toBeUndefined();
});

test('every built-in SMT and predicate of connect-transforms, by class name and Kafka alias', () => {
  const p = builtinPlugins();
  expect(p.find('org.apache.kafka.connect.transforms.InsertField$Value')?.type).toBe('transformation');
  expect(p.find('InsertField$Value')?.className).toBe('org.apache.kafka.connect.transforms.InsertField$Value');
  expect(p.find('TopicNameMatches')?.className).toBe('org.apache.kafka.connect.transforms.predicates.TopicNameMatches');
  expect(p.list(['transformation']).length).toBe(26);
  expect(p.list(['predicate']).length).toBe(3);
});

test("Confluent's Schema Registry converters of @nagare/serdes resolve by class name, simple name and alias", () => {
  const p = builtinPlugins();
  for (const [fqcn, simple, alias] of [
    ['io.confluent.connect.avro.AvroConverter', 'AvroConverter', 'Avro'],
    ['io.confluent.connect.protobuf.ProtobufConverter', 'ProtobufConverter', 'Protobuf'],
    ['io.confluent.connect.json.JsonSchemaConverter', 'JsonSchemaConverter', 'JsonSchema'],
  ]) {
    for (const n of [fqcn, simple, alias]) expect(p.find(n)).toMatchObject({ className: fqcn, type: 'converter', version: '7.9.0' });
  }
  const c = p.newInstance<{ configure(c: object, k: boolean): void }>('AvroConverter', ['converter']);
  expect(() => c.configure({}, false)).toThrow('Missing required configuration "schema.registry.url" which has no default value.');
});
