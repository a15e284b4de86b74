/** `org.apache.kafka.connect.components.Versioned`: plugins report a version (shown by `GET /connector-plugins`). */
export interface Versioned {
  version(): string;
}

/** The version reported by nagare's built-in plugins (Kafka reports `AppInfoParser.getVersion()`). */
export const NAGARE_CONNECT_VERSION = '0.1.0';
