/**
 * Golden bytes of Kafka's JsonConverter (schemas.enable=true unless noted).
 *
 * Source: apache/kafka `connect/json/src/main/java/org/apache/kafka/connect/json/JsonConverter.java`
 * (`asJsonSchema`: `type`, then `items` | `keys`,`values` | `fields` with each field's schema
 * followed by `"field"`, then `optional`, `name`, `version`, `doc`, `parameters`, `default`;
 * `convertToJson`: Jackson nodes written compactly by a default ObjectMapper — doubles and
 * floats as Java's Double/Float.toString, BigDecimal.toString for decimal.format=NUMERIC,
 * bytes as base64) and the values of `JsonConverterTest` (`booleanToJson`, `longToJson`,
 * `bytesToJson` "dGVzdC1zdHJpbmc=", `decimalToJson` "AJw=" for 1.56 at scale 2,
 * `dateToJson` 10000, `timeToJson` 14400000, `timestampToJson` 4000000000, the
 * `testJsonSchemaMetadataTranslation` schema, `mapToJsonStringKeys`,
 * `mapToJsonNonStringKeys`, `structToJson`). Kafka's tests compare parsed trees; these
 * fixtures pin the exact text Jackson emits for the same trees.
 */
export const GOLDEN = {
  booleanTrue: '{"schema":{"type":"boolean","optional":false},"payload":true}',
  optionalBooleanNull: '{"schema":{"type":"boolean","optional":true},"payload":null}',
  booleanWithDefault: '{"schema":{"type":"boolean","optional":false,"default":true},"payload":true}',
  booleanMetadata: '{"schema":{"type":"boolean","optional":false,"name":"bool","version":3,"doc":"the documentation","parameters":{"foo":"bar"}},"payload":true}',
  int8: '{"schema":{"type":"int8","optional":false},"payload":12}',
  int16: '{"schema":{"type":"int16","optional":false},"payload":12}',
  int32: '{"schema":{"type":"int32","optional":false},"payload":12}',
  int64: '{"schema":{"type":"int64","optional":false},"payload":4398046511104}',
  int64Max: '{"schema":{"type":"int64","optional":false},"payload":9223372036854775807}',
  float32: '{"schema":{"type":"float","optional":false},"payload":12.34}',
  float64: '{"schema":{"type":"double","optional":false},"payload":12.34}',
  float64Whole: '{"schema":{"type":"double","optional":false},"payload":12.0}',
  float64Large: '{"schema":{"type":"double","optional":false},"payload":1.0E7}',
  float64Small: '{"schema":{"type":"double","optional":false},"payload":1.0E-4}',
  bytes: '{"schema":{"type":"bytes","optional":false},"payload":"dGVzdC1zdHJpbmc="}',
  string: '{"schema":{"type":"string","optional":false},"payload":"test-string"}',
  stringEscapes: '{"schema":{"type":"string","optional":false},"payload":"q\\"b\\\\n\\nt\\tc\\u0001\\u001F é"}',
  arrayInt32: '{"schema":{"type":"array","items":{"type":"int32","optional":false},"optional":false},"payload":[1,2,3]}',
  mapStringKeys: '{"schema":{"type":"map","keys":{"type":"string","optional":false},"values":{"type":"int32","optional":false},"optional":false},"payload":{"key1":12,"key2":15}}',
  mapIntKeys: '{"schema":{"type":"map","keys":{"type":"int32","optional":false},"values":{"type":"int32","optional":false},"optional":false},"payload":[[1,12],[2,15]]}',
  struct:
    '{"schema":{"type":"struct","fields":[{"type":"boolean","optional":false,"field":"field1"},{"type":"string","optional":false,"field":"field2"},{"type":"string","optional":true,"field":"field3"}],"optional":false},"payload":{"field1":true,"field2":"string","field3":null}}',
  decimalBase64: '{"schema":{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"}},"payload":"AJw="}',
  decimalNumeric: '{"schema":{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"}},"payload":1.56}',
  decimalNegative: '{"schema":{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"}},"payload":"/2Q="}',
  date: '{"schema":{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Date","version":1},"payload":10000}',
  time: '{"schema":{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Time","version":1},"payload":14400000}',
  timestamp: '{"schema":{"type":"int64","optional":false,"name":"org.apache.kafka.connect.data.Timestamp","version":1},"payload":4000000000}',
  timestampDefault: '{"schema":{"type":"int64","optional":true,"name":"org.apache.kafka.connect.data.Timestamp","version":1,"default":42},"payload":42}',
  schemalessMap: '{"schema":null,"payload":{"field1":1,"field2":2}}',
  /** schemas.enable=false */
  plainStruct: '{"field1":true,"field2":"string","field3":null}',
} as const;
