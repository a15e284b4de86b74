/**
 * Golden bytes of Debezium PostgreSQL change events under Kafka's
 * JsonConverter (schemas.enable=true), for the `customers` table and the
 * values of Debezium's documentation (debezium/debezium
 * `documentation/modules/ROOT/pages/connectors/postgresql.adoc`, "Data change
 * events": `PostgreSQL_server` prefix, Anne Kretchmar, txId 555, lsn
 * 24023128, sequence ["24023119","24023128"], source ts 1559033904863123 µs).
 *
 * The documentation's schemas are abridged (no `version`, `sequence`,
 * `transaction`, `origin` fields; `snapshot` shown as a boolean), so the
 * schema parts follow the code that produces them:
 * `SchemaFactory.sourceInfoSchemaBuilder` + `PostgresSourceInfoStructMaker`
 * (source field order and the `io.debezium.data.Enum` snapshot field with
 * default "false"), `SchemaFactory.datatypeEnvelopeSchema` (before, after,
 * source, op, ts_ms, ts_us, ts_ns, transaction; version 2),
 * `TableSchemaBuilder` (`.Key`, optional `.Value`), and
 * `PostgresDefaultValueConverter` (a SERIAL column's nextval() default
 * becomes `"default":0`). Layout is Kafka's JsonConverter (`type`, fields,
 * `optional`, `name`, `version`, `doc`, `parameters`, `default`, `field`).
 * `source.version` is the connector's own version; the events' own
 * ts_ns has microsecond resolution.
 */
const F = (type: string, field: string, optional = false, extra = ''): string => `{"type":"${type}","optional":${optional}${extra},"field":"${field}"}`;

const ROW_FIELDS = [F('int32', 'id', false, ',"default":0'), F('string', 'first_name'), F('string', 'last_name'), F('string', 'email')].join(',');
const ROW = (field: string): string => `{"type":"struct","fields":[${ROW_FIELDS}],"optional":true,"name":"PostgreSQL_server.public.customers.Value","field":"${field}"}`;

const SOURCE_SCHEMA =
  '{"type":"struct","fields":[' +
  [
    F('string', 'version'),
    F('string', 'connector'),
    F('string', 'name'),
    F('int64', 'ts_ms'),
    '{"type":"string","optional":true,"name":"io.debezium.data.Enum","version":1,"parameters":{"allowed":"true,first,first_in_data_collection,last_in_data_collection,last,false,incremental"},"default":"false","field":"snapshot"}',
    F('string', 'db'),
    F('string', 'sequence', true),
    F('int64', 'ts_us', true),
    F('int64', 'ts_ns', true),
    F('string', 'schema'),
    F('string', 'table'),
    F('int64', 'txId', true),
    F('int64', 'lsn', true),
    F('int64', 'xmin', true),
    F('string', 'origin', true),
    F('int64', 'origin_lsn', true),
  ].join(',') +
  '],"optional":false,"name":"io.debezium.connector.postgresql.Source","version":1,"field":"source"}';

const TRANSACTION_SCHEMA = `{"type":"struct","fields":[${[F('string', 'id'), F('int64', 'total_order'), F('int64', 'data_collection_order')].join(',')}],"optional":true,"name":"event.block","version":1,"field":"transaction"}`;

const ENVELOPE_SCHEMA =
  `{"type":"struct","fields":[${[ROW('before'), ROW('after'), SOURCE_SCHEMA, F('string', 'op'), F('int64', 'ts_ms', true), F('int64', 'ts_us', true), F('int64', 'ts_ns', true), TRANSACTION_SCHEMA].join(',')}],` +
  '"optional":false,"name":"PostgreSQL_server.public.customers.Envelope","version":2}';

const SOURCE = (snapshot: string, seq: string): string =>
  `{"version":"0.1.0","connector":"postgresql","name":"PostgreSQL_server","ts_ms":1559033904863,"snapshot":"${snapshot}","db":"postgres","sequence":"${seq}","ts_us":1559033904863123,"ts_ns":1559033904863123000,"schema":"public","table":"customers","txId":555,"lsn":24023128,"xmin":null,"origin":null,"origin_lsn":null}`;
const STREAM_SEQ = '[\\"24023119\\",\\"24023128\\"]';
const ANNE = '{"id":1,"first_name":"Anne","last_name":"Kretchmar","email":"annek@noanswer.org"}';
const TAIL = '"ts_ms":1559033904863,"ts_us":1559033904863841,"ts_ns":1559033904863841000,"transaction":null';

export const DEBEZIUM_GOLDEN = {
  key: '{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"default":0,"field":"id"}],"optional":false,"name":"PostgreSQL_server.public.customers.Key"},"payload":{"id":1}}',
  create: `{"schema":${ENVELOPE_SCHEMA},"payload":{"before":null,"after":${ANNE},"source":${SOURCE('false', STREAM_SEQ)},"op":"c",${TAIL}}}`,
  update: `{"schema":${ENVELOPE_SCHEMA},"payload":{"before":null,"after":{"id":1,"first_name":"Anne Marie","last_name":"Kretchmar","email":"annek@noanswer.org"},"source":${SOURCE('false', STREAM_SEQ)},"op":"u",${TAIL}}}`,
  /** REPLICA IDENTITY DEFAULT: the old key only; NOT NULL columns absent from it hold the type's zero (JdbcValueConverters' fallback). */
  delete: `{"schema":${ENVELOPE_SCHEMA},"payload":{"before":{"id":1,"first_name":"","last_name":"","email":""},"after":null,"source":${SOURCE('false', STREAM_SEQ)},"op":"d",${TAIL}}}`,
  truncate: `{"schema":${ENVELOPE_SCHEMA},"payload":{"before":null,"after":null,"source":${SOURCE('false', STREAM_SEQ)},"op":"t",${TAIL}}}`,
  snapshotRead: `{"schema":${ENVELOPE_SCHEMA},"payload":{"before":null,"after":${ANNE},"source":${SOURCE('last', '[null,\\"24023128\\"]')},"op":"r",${TAIL}}}`,
  heartbeatKey: '{"schema":{"type":"struct","fields":[{"type":"string","optional":false,"field":"serverName"}],"optional":false,"name":"io.debezium.connector.common.ServerNameKey","version":1},"payload":{"serverName":"PostgreSQL_server"}}',
  heartbeatValue: '{"schema":{"type":"struct","fields":[{"type":"int64","optional":false,"field":"ts_ms"}],"optional":false,"name":"io.debezium.connector.common.Heartbeat","version":1},"payload":{"ts_ms":1559033904863}}',
  /** After ExtractNewRecordState (defaults): the row itself, with the `.Value` schema. */
  unwrapped: `{"schema":{"type":"struct","fields":[${ROW_FIELDS}],"optional":true,"name":"PostgreSQL_server.public.customers.Value"},"payload":${ANNE}}`,
  /** ExtractNewRecordState with delete.tombstone.handling.mode=rewrite, add.fields=op,source.ts_ms. */
  unwrappedRewrite:
    `{"schema":{"type":"struct","fields":[${ROW_FIELDS},{"type":"string","optional":true,"field":"__deleted"},{"type":"string","optional":true,"field":"__op"},{"type":"int64","optional":true,"field":"__source_ts_ms"}],"optional":false,"name":"PostgreSQL_server.public.customers.Value"},` +
    '"payload":{"id":1,"first_name":"Anne","last_name":"Kretchmar","email":"annek@noanswer.org","__deleted":"false","__op":"c","__source_ts_ms":1559033904863}}',
};
