/**
 * Confluent's Connect converters, by their class names (which the Connect
 * runtime also knows by simple name and by `Avro`/`Protobuf`/`JsonSchema`):
 * `io.confluent.connect.avro.AvroConverter`,
 * `io.confluent.connect.protobuf.ProtobufConverter`,
 * `io.confluent.connect.json.JsonSchemaConverter`. Each maps Connect
 * schemas to its format (avro-data.ts, protobuf-data.ts,
 * json-schema-data.ts), registers them under the subject of the configured
 * strategy (`<topic>-key` / `<topic>-value` by default) and writes
 * Confluent's wire format; reading looks the writer's schema up by id.
 * Settings are the serializers' (`schema.registry.url`,
 * `auto.register.schemas`, `use.latest.version`, subject name strategies,
 * ...) plus `connect.meta.data` and `enhanced.avro.schema.support` for Avro.
 */
import { ConfigDef, ConfigType, DataException, Importance, SchemaAndValue, type Converter, type Schema } from '@nagare/connect-api';
import type * as avroT from 'avsc';
import { JsonNumber, JsonObject, parseJson, type JsonValue, type ProtobufParsedSchema } from '@nagare/schema-registry';
import { SchemaInfo } from '../client';
import { SerdeConfig, configBool, serdeConfig } from '../config';
import { ResolvedReference, avroType, jsonSchema, jsonValidator, messageIndexes, protobufSchema, protobufType } from '../formats';
import { SyncSchemaRegistryClient } from '../sync-client';
import { decodeMessageIndexes, frame, unframe } from '../wire';
import { AvroData } from './avro-data';
import { JsonSchemaData, toJsonText } from './json-schema-data';
import { ProtobufData } from './protobuf-data';

function configDef(): ConfigDef {
  return new ConfigDef()
    .define('schema.registry.url', ConfigType.LIST, ConfigDef.NO_DEFAULT_VALUE, Importance.HIGH, 'Comma-separated list of URLs for Schema Registry instances that can be used to register or look up schemas.')
    .define('auto.register.schemas', ConfigType.BOOLEAN, true, Importance.MEDIUM, 'Specify if the Serializer should attempt to register the Schema with Schema Registry')
    .define('use.latest.version', ConfigType.BOOLEAN, false, Importance.LOW, 'Specify if the Serializer should use the latest subject version for serialization')
    .define('key.subject.name.strategy', ConfigType.STRING, 'io.confluent.kafka.serializers.subject.TopicNameStrategy', Importance.MEDIUM, 'Determines how to construct the subject name under which the key schema is registered with the schema registry.')
    .define('value.subject.name.strategy', ConfigType.STRING, 'io.confluent.kafka.serializers.subject.TopicNameStrategy', Importance.MEDIUM, 'Determines how to construct the subject name under which the value schema is registered with the schema registry.');
}

abstract class RegistryConverter implements Converter {
  protected cfg!: SerdeConfig;
  protected client!: SyncSchemaRegistryClient;
  protected isKey = false;
  private readonly schemasById = new Map<number, SchemaInfo>();

  version(): string {
    return '7.9.0';
  }

  config(): ConfigDef {
    return configDef();
  }

  configure(configs: Readonly<Record<string, unknown>>, isKey: boolean): void {
    try {
      this.cfg = serdeConfig(configs);
    } catch (e) {
      throw new DataException((e as Error).message);
    }
    this.isKey = isKey;
    this.client = new SyncSchemaRegistryClient({ url: this.cfg.url, latestCacheTtlSec: this.cfg.latestCacheTtlSec, basicAuthUserInfo: this.cfg.basicAuthUserInfo });
    this.configureFormat(configs);
  }

  protected configureFormat(_configs: Readonly<Record<string, unknown>>): void {}

  protected subject(topic: string, recordName: string | null): string {
    return (this.isKey ? this.cfg.keySubjectNameStrategy : this.cfg.valueSubjectNameStrategy)(topic, this.isKey, recordName);
  }

  /** The schema id to write under (register, look up, latest or fixed, as configured). */
  protected idFor(topic: string, recordName: string | null, info: SchemaInfo): { id: number; info: SchemaInfo } {
    const subject = this.subject(topic, recordName);
    try {
      if (this.cfg.useSchemaId >= 0) return { id: this.cfg.useSchemaId, info: this.client.getSchemaById(this.cfg.useSchemaId) };
      if (this.cfg.useLatestVersion) {
        const m = this.client.getLatestSchemaMetadata(subject);
        return { id: m.id, info: m };
      }
      const id = this.cfg.autoRegisterSchemas ? this.client.register(subject, info, this.cfg.normalizeSchemas) : this.client.getId(subject, info, this.cfg.normalizeSchemas);
      return { id, info };
    } catch (e) {
      throw new DataException(`Failed to ${this.cfg.autoRegisterSchemas ? 'register' : 'look up'} the schema of subject ${subject}: ${(e as Error).message}`, { cause: e });
    }
  }

  protected schemaById(id: number): SchemaInfo {
    let s = this.schemasById.get(id);
    if (!s) {
      try {
        s = this.client.getSchemaById(id);
      } catch (e) {
        throw new DataException(`Failed to retrieve schema of id ${id}: ${(e as Error).message}`, { cause: e });
      }
      this.schemasById.set(id, s);
    }
    return s;
  }

  protected refs(info: SchemaInfo): ResolvedReference[] {
    return this.client.resolveReferences(info.references ?? []) as unknown as ResolvedReference[];
  }

  abstract fromConnectData(topic: string, schema: Schema | null, value: unknown): Uint8Array | null;
  abstract toConnectData(topic: string, value: Uint8Array | null): SchemaAndValue;

  close(): void {}
}

function convertError(what: string, topic: string, e: unknown): never {
  if (e instanceof DataException) throw e;
  throw new DataException(`${what} for topic ${topic}: ${(e as Error).message}`, { cause: e });
}

export class AvroConverter extends RegistryConverter {
  static readonly className = 'io.confluent.connect.avro.AvroConverter';
  private data = new AvroData();
  private readonly types = new Map<string, avroT.Type>();

  protected override configureFormat(c: Readonly<Record<string, unknown>>): void {
    this.data = new AvroData({ connectMetaData: configBool(c, 'connect.meta.data', true), enhancedSchemaSupport: configBool(c, 'enhanced.avro.schema.support', false) });
  }

  private type(info: SchemaInfo): avroT.Type {
    const key = info.schema + '\u0000' + JSON.stringify(info.references ?? []);
    let t = this.types.get(key);
    if (!t) this.types.set(key, (t = avroType(info.schema, this.refs(info))));
    return t;
  }

  fromConnectData(topic: string, schema: Schema | null, value: unknown): Uint8Array | null {
    if (value === null || value === undefined) return null;
    try {
      const avroSchema = this.data.fromConnectSchema(schema!);
      const avroValue = this.data.fromConnectData(schema, value);
      const text = JSON.stringify(avroSchema);
      const recordName = typeof avroSchema === 'object' && !Array.isArray(avroSchema) && avroSchema.type === 'record' ? `${avroSchema.namespace ? avroSchema.namespace + '.' : ''}${avroSchema.name}` : null;
      const { id, info } = this.idFor(topic, recordName, { schema: text, schemaType: 'AVRO' });
      return frame(id, this.type(info).toBuffer(avroValue));
    } catch (e) {
      convertError('Failed to serialize Avro data', topic, e);
    }
  }

  toConnectData(topic: string, value: Uint8Array | null): SchemaAndValue {
    if (value === null || value === undefined) return SchemaAndValue.NULL;
    try {
      const { id, payload } = unframe(value);
      const info = this.schemaById(id);
      if ((info.schemaType ?? 'AVRO') !== 'AVRO') throw new DataException(`Schema ${id} is not an Avro schema`);
      const decoded = this.type(info).fromBuffer(payload);
      const schema = this.data.toConnectSchema(info.schema);
      return new SchemaAndValue(schema, this.data.toConnectData(schema, decoded));
    } catch (e) {
      convertError('Failed to deserialize data to Avro', topic, e);
    }
  }
}

export class ProtobufConverter extends RegistryConverter {
  static readonly className = 'io.confluent.connect.protobuf.ProtobufConverter';
  private readonly data = new ProtobufData();
  private readonly parsed = new Map<string, ProtobufParsedSchema>();

  private parse(info: SchemaInfo): ProtobufParsedSchema {
    const key = info.schema + '\u0000' + JSON.stringify(info.references ?? []);
    let p = this.parsed.get(key);
    if (!p) this.parsed.set(key, (p = protobufSchema(info.schema, this.refs(info))));
    return p;
  }

  fromConnectData(topic: string, schema: Schema | null, value: unknown): Uint8Array | null {
    if (value === null || value === undefined) return null;
    try {
      if (schema === null) throw new DataException('The Protobuf converter needs a schema: the record has no schema');
      const { text, messageName } = this.data.fromConnectSchema(schema);
      const { id, info } = this.idFor(topic, messageName, { schema: text, schemaType: 'PROTOBUF' });
      const parsed = this.parse(info);
      const name = this.cfg.useLatestVersion || this.cfg.useSchemaId >= 0 ? (parsed.name() ?? messageName) : messageName;
      const type = protobufType(parsed, name);
      const obj = this.data.fromConnectData(schema, value, true) as Record<string, unknown>;
      return frame(id, type.encode(type.fromObject(obj)).finish(), messageIndexes(parsed, name));
    } catch (e) {
      convertError('Failed to serialize Protobuf data', topic, e);
    }
  }

  toConnectData(topic: string, value: Uint8Array | null): SchemaAndValue {
    if (value === null || value === undefined) return SchemaAndValue.NULL;
    try {
      const { id, payload } = unframe(value);
      const info = this.schemaById(id);
      if (info.schemaType !== 'PROTOBUF') throw new DataException(`Schema ${id} is not a Protobuf schema`);
      const parsed = this.parse(info);
      const { indexes, rest } = decodeMessageIndexes(payload);
      const name = parsed.messageByIndexes(indexes);
      if (!name) throw new DataException(`Invalid message indexes ${JSON.stringify(indexes)} for schema ${id}`);
      const type = protobufType(parsed, name);
      const obj = type.toObject(type.decode(rest), { longs: String, enums: String, bytes: Buffer as never, defaults: true });
      const schema = this.data.toConnectSchema(parsed, name);
      return new SchemaAndValue(schema, this.data.toConnectData(schema, obj, true));
    } catch (e) {
      convertError('Failed to deserialize data to Protobuf', topic, e);
    }
  }
}

/** JSON text to plain values, keeping integers beyond 2^53 as bigints. */
function exactPlain(v: JsonValue): unknown {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (v instanceof JsonNumber) {
    if (v.isIntegral && !Number.isSafeInteger(v.value)) return BigInt(v.raw);
    return v.value;
  }
  if (Array.isArray(v)) return v.map(exactPlain);
  const o: Record<string, unknown> = {};
  for (const [k, x] of (v as JsonObject).entries) o[k] = exactPlain(x);
  return o;
}

export class JsonSchemaConverter extends RegistryConverter {
  static readonly className = 'io.confluent.connect.json.JsonSchemaConverter';
  private readonly data = new JsonSchemaData();
  private validate = false;
  private readonly validators = new Map<number, (v: unknown) => string | null>();

  protected override configureFormat(c: Readonly<Record<string, unknown>>): void {
    this.validate = configBool(c, 'json.fail.invalid.schema', false);
  }

  fromConnectData(topic: string, schema: Schema | null, value: unknown): Uint8Array | null {
    if (value === null || value === undefined) return null;
    try {
      if (schema === null) throw new DataException('The JSON Schema converter needs a schema: the record has no schema');
      const js = this.data.fromConnectSchema(schema);
      const { id, info } = this.idFor(topic, typeof js.title === 'string' ? js.title : null, { schema: JSON.stringify(js), schemaType: 'JSON' });
      const out = this.data.fromConnectData(schema, value);
      if (this.validate) {
        let v = this.validators.get(id);
        if (!v) this.validators.set(id, (v = jsonValidator(jsonSchema(info.schema, this.refs(info)))));
        const err = v(JSON.parse(toJsonText(out)));
        if (err) throw new DataException(`Validation error: ${err}`);
      }
      return frame(id, Buffer.from(toJsonText(out), 'utf8'));
    } catch (e) {
      convertError('Failed to serialize JSON data', topic, e);
    }
  }

  toConnectData(topic: string, value: Uint8Array | null): SchemaAndValue {
    if (value === null || value === undefined) return SchemaAndValue.NULL;
    try {
      const { id, payload } = unframe(value);
      const info = this.schemaById(id);
      if (info.schemaType !== 'JSON') throw new DataException(`Schema ${id} is not a JSON schema`);
      const schema = this.data.toConnectSchema(info.schema);
      const json = exactPlain(parseJson(payload.toString('utf8')));
      return new SchemaAndValue(schema, this.data.toConnectData(schema, json));
    } catch (e) {
      convertError('Failed to deserialize data to JSON', topic, e);
    }
  }
}

/** The converters, for plugin registration (`Plugins.add`). */
export const CONFLUENT_CONVERTERS = [AvroConverter, ProtobufConverter, JsonSchemaConverter] as const;
