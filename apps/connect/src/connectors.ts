/**
 * The connectors bundled with nagare's Connect worker, registered by class
 * name and alias (as Kafka's plugin discovery names them): FileStream
 * (Kafka), the JDBC source and sink (Confluent), the PostgreSQL CDC
 * connector and its ExtractNewRecordState SMT (Debezium), and the
 * Elasticsearch sink (Confluent). Every worker entry point (standalone,
 * distributed) registers them through this one function.
 */
import * as fileConnectors from '@nagare/connect-file';
import * as jdbcConnectors from '@nagare/connect-jdbc';
import * as postgresCdcConnectors from '@nagare/connect-postgres-cdc';
import * as elasticsearchConnectors from '@nagare/connect-elasticsearch';
import type { Plugins } from '@nagare/connect-runtime';

export const BUNDLED_CONNECTOR_MODULES: ReadonlyArray<Record<string, unknown>> = [fileConnectors, jdbcConnectors, postgresCdcConnectors, elasticsearchConnectors] as unknown as Array<Record<string, unknown>>;

export function addBundledConnectors(plugins: Plugins): Plugins {
  for (const m of BUNDLED_CONNECTOR_MODULES) plugins.addModule(m);
  return plugins;
}
