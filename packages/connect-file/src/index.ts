/**
 * @nagare/connect-file: the FileStream source and sink connectors of Kafka
 * (`org.apache.kafka.connect.file`), written against @nagare/connect-api only.
 */
export * from './version';
export * from './file-stream-source';
export * from './file-stream-sink';
