/**
 * Serializer/deserializer settings with Confluent's keys
 * (`AbstractKafkaSchemaSerDeConfig`): `schema.registry.url`,
 * `auto.register.schemas` (true), `use.latest.version` (false),
 * `latest.compatibility.strict` (true), `normalize.schemas` (false),
 * `use.schema.id` (-1), `key.subject.name.strategy` /
 * `value.subject.name.strategy` (TopicNameStrategy),
 * `latest.cache.ttl.sec` (-1), `basic.auth.user.info`.
 */
import { SubjectNameStrategy, subjectNameStrategy } from './strategy';

export interface SerdeConfig {
  url: string;
  autoRegisterSchemas: boolean;
  useLatestVersion: boolean;
  latestCompatibilityStrict: boolean;
  normalizeSchemas: boolean;
  useSchemaId: number;
  keySubjectNameStrategy: SubjectNameStrategy;
  valueSubjectNameStrategy: SubjectNameStrategy;
  latestCacheTtlSec: number;
  basicAuthUserInfo: string | undefined;
  /** Every setting as given. */
  originals: Readonly<Record<string, unknown>>;
}

export function configBool(c: Readonly<Record<string, unknown>>, k: string, d: boolean): boolean {
  const v = c[k];
  if (v === undefined || v === null || v === '') return d;
  if (typeof v === 'boolean') return v;
  const s = String(v).trim().toLowerCase();
  if (s === 'true') return true;
  if (s === 'false') return false;
  throw new Error(`Invalid value ${String(v)} for configuration ${k}: Expected value to be either true or false`);
}

export function configInt(c: Readonly<Record<string, unknown>>, k: string, d: number): number {
  const v = c[k];
  if (v === undefined || v === null || v === '') return d;
  const n = Number(v);
  if (!Number.isInteger(n)) throw new Error(`Invalid value ${String(v)} for configuration ${k}: Not a number of type INT`);
  return n;
}

export function serdeConfig(c: Readonly<Record<string, unknown>>): SerdeConfig {
  const url = c['schema.registry.url'];
  if (url === undefined || url === null || String(url).trim() === '') throw new Error('Missing required configuration "schema.registry.url" which has no default value.');
  const userInfo = c['basic.auth.user.info'] ?? c['schema.registry.basic.auth.user.info'];
  return {
    url: String(url),
    autoRegisterSchemas: configBool(c, 'auto.register.schemas', true),
    useLatestVersion: configBool(c, 'use.latest.version', false),
    latestCompatibilityStrict: configBool(c, 'latest.compatibility.strict', true),
    normalizeSchemas: configBool(c, 'normalize.schemas', false),
    useSchemaId: configInt(c, 'use.schema.id', -1),
    keySubjectNameStrategy: subjectNameStrategy(c['key.subject.name.strategy']),
    valueSubjectNameStrategy: subjectNameStrategy(c['value.subject.name.strategy']),
    latestCacheTtlSec: configInt(c, 'latest.cache.ttl.sec', -1),
    basicAuthUserInfo: userInfo === undefined || userInfo === null ? undefined : String(userInfo),
    originals: c,
  };
}
