/**
 * Serializers and deserializers in Confluent's wire format for Avro,
 * Protobuf and JSON Schema (`KafkaAvroSerializer`,
 * `KafkaProtobufSerializer`, `KafkaJsonSchemaSerializer` and their
 * deserializers), usable with @nagare/client's producer and consumer:
 *
 *   const ser = new AvroSerializer({ 'schema.registry.url': url });
 *   producer.send({ topic, value: await ser.serialize(topic, value, schema) });
 *   const de = new AvroDeserializer({ 'schema.registry.url': url });
 *   const v = await de.deserialize(topic, record.value);
 *
 * Protobuf message indexes are zig-zag varints; `use.deprecated.format=true`
 * reads and writes the unsigned ones of confluent-kafka-python < 1.8.
 *
 * The schema id comes from `use.schema.id`, else the latest version of the
 * subject (`use.latest.version`), else the given schema registered
 * (`auto.register.schemas`, the default) or looked up. Ids and schemas are
 * cached by the client, codecs by schema id.
 */
import type * as avroT from 'avsc';
import type { JsonParsedSchema, ProtobufParsedSchema } from '@nagare/schema-registry';
import { SchemaInfo, SchemaReference, SchemaRegistryClient } from './client';
import { SerdeConfig, configBool, serdeConfig } from './config';
import { AvroOptions, ResolvedReference, avroRecordName, avroType, jsonSchema, jsonValidator, messageIndexes, protobufSchema, protobufType } from './formats';
import { SerializationException, decodeMessageIndexes, frame, unframe } from './wire';

export type SerdeOptions = Readonly<Record<string, unknown>> & { client?: SchemaRegistryClient };

abstract class SerdeBase {
  readonly config: SerdeConfig;
  readonly client: SchemaRegistryClient;

  constructor(
    options: SerdeOptions,
    readonly isKey = false,
  ) {
    this.config = serdeConfig(options.client && options['schema.registry.url'] === undefined ? { ...options, 'schema.registry.url': options.client.urls.join(',') } : options);
    this.client =
      options.client ??
      new SchemaRegistryClient({ url: this.config.url, latestCacheTtlSec: this.config.latestCacheTtlSec, basicAuthUserInfo: this.config.basicAuthUserInfo });
  }

  protected subject(topic: string, recordName: string | null): string {
    return (this.isKey ? this.config.keySubjectNameStrategy : this.config.valueSubjectNameStrategy)(topic, this.isKey, recordName);
  }

  /** The id to write and the schema text it stands for. */
  protected async resolveId(subject: string, schema: SchemaInfo | null): Promise<{ id: number; info: SchemaInfo }> {
    if (this.config.useSchemaId >= 0) {
      return { id: this.config.useSchemaId, info: await this.client.getSchemaById(this.config.useSchemaId) };
    }
    if (this.config.useLatestVersion) {
      const m = await this.client.getLatestSchemaMetadata(subject);
      if (schema && this.config.latestCompatibilityStrict) {
        const r = await this.client.testCompatibility(subject, schema, m.version);
        if (!r.is_compatible) throw new SerializationException(`Incompatible schema ${schema.schema} with refs ${JSON.stringify(schema.references ?? [])} of type ${schema.schemaType ?? 'AVRO'} for schema ${m.schema}. Set latest.compatibility.strict=false to disable this check`);
      }
      return { id: m.id, info: m };
    }
    if (!schema) throw new SerializationException('No schema given: pass the schema to serialize with, or set use.latest.version=true or use.schema.id');
    const id = this.config.autoRegisterSchemas ? await this.client.register(subject, schema, this.config.normalizeSchemas) : await this.client.getId(subject, schema, this.config.normalizeSchemas);
    return { id, info: schema };
  }

  protected async resolved(info: SchemaInfo): Promise<ResolvedReference[]> {
    return (await this.client.resolveReferences(info.references ?? [])) as ResolvedReference[];
  }
}

function wrapError(what: string, e: unknown): never {
  if (e instanceof SerializationException && (e.message.startsWith('Error ') || e.message === 'Unknown magic byte!')) throw e;
  throw new SerializationException(`Error ${what}: ${(e as Error).message}`, { cause: e });
}

// ------------------------------------------------------------------ Avro

export class AvroSerializer extends SerdeBase {
  private readonly types = new Map<string, avroT.Type>();
  private readonly avroOpts: AvroOptions;

  constructor(options: SerdeOptions, isKey = false, avroOpts: AvroOptions = {}) {
    super(options, isKey);
    this.avroOpts = avroOpts;
  }

  /** topic -> schema (text or object, by identity) -> id and type: the hot path makes no lookups beyond these. */
  private readonly resolvedByTopic = new Map<string, Map<string | object, { id: number; type: avroT.Type }>>();

  /** Serializes `value` with `schema` (Avro JSON text or object; optional with use.latest.version / use.schema.id). */
  async serialize(topic: string, value: unknown, schema?: string | object, references: SchemaReference[] = []): Promise<Buffer | null> {
    if (value === null || value === undefined) return null;
    const cacheable = schema !== undefined && references.length === 0 && !this.config.useLatestVersion;
    const hit = cacheable ? this.resolvedByTopic.get(topic)?.get(schema!) : undefined;
    try {
      if (hit) return frame(hit.id, hit.type.toBuffer(value));
      const text = schema === undefined ? null : typeof schema === 'string' ? schema : JSON.stringify(schema);
      let recordName: string | null = null;
      if (text !== null) recordName = avroRecordName(await this.typeFor(text, references));
      const subject = this.subject(topic, recordName);
      const { id, info } = await this.resolveId(subject, text === null ? null : { schema: text, schemaType: 'AVRO', references });
      const type = await this.typeFor(info.schema, info.references ?? []);
      if (cacheable) {
        let m = this.resolvedByTopic.get(topic);
        if (!m) this.resolvedByTopic.set(topic, (m = new Map()));
        m.set(schema!, { id, type });
      }
      return frame(id, type.toBuffer(value));
    } catch (e) {
      wrapError('serializing Avro message', e);
    }
  }

  private async typeFor(schema: string, references: readonly SchemaReference[]): Promise<avroT.Type> {
    const key = schema + '\u0000' + JSON.stringify(references);
    let t = this.types.get(key);
    if (!t) {
      t = avroType(schema, await this.client.resolveReferences(references) as ResolvedReference[], this.avroOpts);
      this.types.set(key, t);
    }
    return t;
  }
}

export class AvroDeserializer extends SerdeBase {
  private readonly writers = new Map<number, avroT.Type>();
  private readonly resolvers = new Map<string, avroT.Resolver>();
  private readonly readers = new Map<string, avroT.Type>();
  private readonly avroOpts: AvroOptions;

  constructor(options: SerdeOptions, isKey = false, avroOpts: AvroOptions = {}) {
    super(options, isKey);
    this.avroOpts = avroOpts;
  }

  /** The writer's avsc type for a schema id. */
  async writerType(id: number): Promise<avroT.Type> {
    let t = this.writers.get(id);
    if (!t) {
      const info = await this.client.getSchemaById(id);
      if ((info.schemaType ?? 'AVRO') !== 'AVRO') throw new SerializationException(`Schema ${id} is a ${info.schemaType} schema, not Avro`);
      t = avroType(info.schema, await this.resolved(info), this.avroOpts);
      this.writers.set(id, t);
    }
    return t;
  }

  /** Deserializes; with `readerSchema`, resolves the writer's data to it (Avro schema resolution). */
  async deserialize(topic: string, data: Uint8Array | null, readerSchema?: string | object): Promise<unknown> {
    void topic;
    if (data === null || data === undefined) return null;
    try {
      const { id, payload } = unframe(data);
      const writer = await this.writerType(id);
      if (readerSchema === undefined) return writer.fromBuffer(payload);
      const text = typeof readerSchema === 'string' ? readerSchema : JSON.stringify(readerSchema);
      let reader = this.readers.get(text);
      if (!reader) this.readers.set(text, (reader = avroType(text, [], this.avroOpts)));
      const rk = `${id}\u0000${text}`;
      let resolver = this.resolvers.get(rk);
      if (!resolver) this.resolvers.set(rk, (resolver = reader.createResolver(writer)));
      return reader.fromBuffer(payload, resolver);
    } catch (e) {
      wrapError('deserializing Avro message', e);
    }
  }
}

// ------------------------------------------------------------------ Protobuf

export interface ProtobufSchemaArg {
  /** The .proto text. */
  schema: string;
  /** Full name of the message type to write (default: the first message of the file). */
  messageType?: string;
  /** References (imports) already registered. */
  references?: SchemaReference[];
  /** Imported files by import path, registered under their path (`reference.subject.name.strategy` = the file name) when auto-registering. */
  dependencies?: Record<string, string>;
}

export interface ProtobufDecodeOptions {
  /** How int64 values come back (String: lossless, the default). */
  longs?: typeof String | typeof Number;
  enums?: typeof String | typeof Number;
  bytes?: typeof String | typeof Array | typeof Buffer;
  defaults?: boolean;
  oneofs?: boolean;
}

export class ProtobufSerializer extends SerdeBase {
  private readonly parsed = new Map<string, ProtobufParsedSchema>();

  async serialize(topic: string, value: Record<string, unknown> | null, schema?: ProtobufSchemaArg): Promise<Buffer | null> {
    if (value === null || value === undefined) return null;
    try {
      let references = schema?.references ?? [];
      if (schema?.dependencies) {
        const deps = await this.registerDependencies(schema.dependencies);
        const byName = new Map(references.map((r) => [r.name, r]));
        for (const d of deps) byName.set(d.name, d);
        references = [...byName.values()];
      }
      let parsed = schema ? await this.parse(schema.schema, references) : null;
      const messageType = schema?.messageType ?? parsed?.name() ?? null;
      const subject = this.subject(topic, messageType);
      const { id, info } = await this.resolveId(subject, schema ? { schema: schema.schema, schemaType: 'PROTOBUF', references } : null);
      parsed = await this.parse(info.schema, info.references ?? []);
      const name = messageType ?? parsed.name();
      if (!name) throw new SerializationException('The schema defines no message');
      const type = protobufType(parsed, name);
      const err = type.verify(value);
      if (err) throw new SerializationException(`Invalid message for ${name}: ${err}`);
      const payload = type.encode(type.fromObject(value)).finish();
      return frame(id, payload, messageIndexes(parsed, name), configBool(this.config.originals, 'use.deprecated.format', false));
    } catch (e) {
      wrapError('serializing Protobuf message', e);
    }
  }

  private async registerDependencies(deps: Record<string, string>): Promise<SchemaReference[]> {
    const out: SchemaReference[] = [];
    for (const [path, text] of Object.entries(deps)) {
      if (this.config.autoRegisterSchemas) await this.client.register(path, { schema: text, schemaType: 'PROTOBUF' });
      const m = await this.client.lookup(path, { schema: text, schemaType: 'PROTOBUF' });
      out.push({ name: path, subject: path, version: m.version });
    }
    return out;
  }

  private async parse(text: string, references: readonly SchemaReference[]): Promise<ProtobufParsedSchema> {
    const key = text + '\u0000' + JSON.stringify(references);
    let p = this.parsed.get(key);
    if (!p) this.parsed.set(key, (p = protobufSchema(text, (await this.client.resolveReferences(references)) as ResolvedReference[])));
    return p;
  }
}

export class ProtobufDeserializer extends SerdeBase {
  private readonly byId = new Map<number, ProtobufParsedSchema>();
  private readonly decode: ProtobufDecodeOptions;

  constructor(options: SerdeOptions, isKey = false, decode: ProtobufDecodeOptions = {}) {
    super(options, isKey);
    this.decode = { longs: String, enums: String, bytes: Buffer as never, defaults: true, oneofs: true, ...decode };
  }

  async schemaFor(id: number): Promise<ProtobufParsedSchema> {
    let p = this.byId.get(id);
    if (!p) {
      const info = await this.client.getSchemaById(id);
      if (info.schemaType !== 'PROTOBUF') throw new SerializationException(`Schema ${id} is a ${info.schemaType ?? 'AVRO'} schema, not Protobuf`);
      p = protobufSchema(info.schema, await this.resolved(info));
      this.byId.set(id, p);
    }
    return p;
  }

  /** The decoded message (a plain object) and its type's full name. */
  async deserializeWithType(data: Uint8Array): Promise<{ messageType: string; value: Record<string, unknown> }> {
    const { id, payload } = unframe(data);
    const parsed = await this.schemaFor(id);
    const { indexes, rest } = decodeMessageIndexes(payload, configBool(this.config.originals, 'use.deprecated.format', false));
    const name = parsed.messageByIndexes(indexes);
    if (!name) throw new SerializationException(`Invalid message indexes ${JSON.stringify(indexes)} for schema ${id} (data from an old client writing unsigned indexes needs use.deprecated.format=true)`);
    const type = protobufType(parsed, name);
    const msg = type.decode(rest);
    return { messageType: name, value: type.toObject(msg, this.decode as never) };
  }

  async deserialize(topic: string, data: Uint8Array | null): Promise<Record<string, unknown> | null> {
    void topic;
    if (data === null || data === undefined) return null;
    try {
      return (await this.deserializeWithType(data)).value;
    } catch (e) {
      wrapError('deserializing Protobuf message', e);
    }
  }
}

// ------------------------------------------------------------------ JSON Schema

export class JsonSchemaSerializer extends SerdeBase {
  private readonly validators = new Map<string, (v: unknown) => string | null>();

  /** `json.fail.invalid.schema` (false): validate values against the schema before writing. */
  get validate(): boolean {
    return configBool(this.config.originals, 'json.fail.invalid.schema', false);
  }

  async serialize(topic: string, value: unknown, schema?: string | object, references: SchemaReference[] = []): Promise<Buffer | null> {
    if (value === null || value === undefined) return null;
    try {
      const text = schema === undefined ? null : typeof schema === 'string' ? schema : JSON.stringify(schema);
      const title = text !== null ? ((JSON.parse(text) as { title?: string }).title ?? null) : null;
      const subject = this.subject(topic, title);
      const { id, info } = await this.resolveId(subject, text === null ? null : { schema: text, schemaType: 'JSON', references });
      if (this.validate) {
        const key = `${id}`;
        let v = this.validators.get(key);
        if (!v) this.validators.set(key, (v = jsonValidator(jsonSchema(info.schema, await this.resolved(info)))));
        const err = v(value);
        if (err) throw new SerializationException(`Validation error: ${err}`);
      }
      return frame(id, Buffer.from(JSON.stringify(value, (_k, x) => (typeof x === 'bigint' ? Number(x) : x)), 'utf8'));
    } catch (e) {
      wrapError('serializing JSON message', e);
    }
  }
}

export class JsonSchemaDeserializer extends SerdeBase {
  private readonly byId = new Map<number, JsonParsedSchema>();

  async schemaFor(id: number): Promise<JsonParsedSchema> {
    let p = this.byId.get(id);
    if (!p) {
      const info = await this.client.getSchemaById(id);
      if (info.schemaType !== 'JSON') throw new SerializationException(`Schema ${id} is a ${info.schemaType ?? 'AVRO'} schema, not JSON`);
      p = jsonSchema(info.schema, await this.resolved(info));
      this.byId.set(id, p);
    }
    return p;
  }

  async deserialize(topic: string, data: Uint8Array | null): Promise<unknown> {
    void topic;
    if (data === null || data === undefined) return null;
    try {
      const { id, payload } = unframe(data);
      const value = JSON.parse(payload.toString('utf8'));
      if (configBool(this.config.originals, 'json.fail.invalid.schema', false)) {
        const err = jsonValidator(await this.schemaFor(id))(value);
        if (err) throw new SerializationException(`Validation error: ${err}`);
      }
      return value;
    } catch (e) {
      wrapError('deserializing JSON message', e);
    }
  }
}
