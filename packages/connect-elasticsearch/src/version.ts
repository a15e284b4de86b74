/** The version the Elasticsearch sink reports (`GET /connector-plugins`). */
export const CONNECT_ELASTICSEARCH_VERSION = '0.1.0';
