/** The version the connector reports (`GET /connector-plugins`) and writes as `source.version`. */
export const CONNECT_POSTGRES_CDC_VERSION = '0.1.0';
