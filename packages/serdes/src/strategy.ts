/**
 * Subject name strategies (`key.subject.name.strategy` /
 * `value.subject.name.strategy`), by Confluent class name or simple name:
 * TopicNameStrategy `<topic>-key` / `<topic>-value` (default),
 * RecordNameStrategy `<record full name>`, TopicRecordNameStrategy
 * `<topic>-<record full name>`.
 */
export type SubjectNameStrategy = (topic: string, isKey: boolean, recordName: string | null) => string;

export const TopicNameStrategy: SubjectNameStrategy = (topic, isKey) => `${topic}-${isKey ? 'key' : 'value'}`;

export const RecordNameStrategy: SubjectNameStrategy = (_topic, _isKey, recordName) => {
  if (recordName === null) throw new Error('RecordNameStrategy needs a named schema (a record, message or titled JSON schema)');
  return recordName;
};

export const TopicRecordNameStrategy: SubjectNameStrategy = (topic, _isKey, recordName) => {
  if (recordName === null) throw new Error('TopicRecordNameStrategy needs a named schema (a record, message or titled JSON schema)');
  return `${topic}-${recordName}`;
};

const BY_NAME: Record<string, SubjectNameStrategy> = {
  'io.confluent.kafka.serializers.subject.TopicNameStrategy': TopicNameStrategy,
  'io.confluent.kafka.serializers.subject.RecordNameStrategy': RecordNameStrategy,
  'io.confluent.kafka.serializers.subject.TopicRecordNameStrategy': TopicRecordNameStrategy,
  TopicNameStrategy,
  RecordNameStrategy,
  TopicRecordNameStrategy,
};

export function subjectNameStrategy(v: unknown): SubjectNameStrategy {
  if (v === undefined || v === null || v === '') return TopicNameStrategy;
  if (typeof v === 'function') return v as SubjectNameStrategy;
  const s = BY_NAME[String(v).trim()];
  if (!s) throw new Error(`Invalid subject name strategy ${String(v)}: use io.confluent.kafka.serializers.subject.TopicNameStrategy, RecordNameStrategy or TopicRecordNameStrategy`);
  return s;
}
