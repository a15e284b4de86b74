/** The version the JDBC connectors report (`GET /connector-plugins`). */
export const CONNECT_JDBC_VERSION = '0.1.0';
