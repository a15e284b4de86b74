/**
 * The plugin contracts every connector implements
 * (`org.apache.kafka.connect.connector`): a Connector splits its job into
 * task configurations; the worker starts one Task per configuration.
 *
 * Lifecycle (as Kafka's worker drives it): `new` -> `initialize(context)` ->
 * `start(props)` -> `taskConfigs(maxTasks)` (again after
 * `context.requestTaskReconfiguration()`) -> `stop()`. Methods may return
 * promises; the worker awaits them.
 */
import type { ConfigDef, ConfigValue } from '../config/config-def';

/** Given to a Connector (`ConnectorContext`). */
export interface ConnectorContext {
  /** Asks the runtime to call `taskConfigs` again and restart the tasks with the new configurations. */
  requestTaskReconfiguration(): void;
  /** Fails the connector (state FAILED with this error's trace). */
  raiseError(e: Error): void;
}

/** `org.apache.kafka.connect.connector.Task`. */
export interface Task {
  version(): string;
  start(props: Record<string, string>): void | Promise<void>;
  stop(): void | Promise<void>;
}

export type TaskClass = new () => Task;

/** `org.apache.kafka.connect.connector.Connector`. */
export abstract class Connector {
  protected context!: ConnectorContext;

  initialize(context: ConnectorContext, taskConfigs?: ReadonlyArray<Record<string, string>>): void {
    void taskConfigs;
    this.context = context;
  }

  /** The plugin version (shown by `GET /connector-plugins`). */
  abstract version(): string;
  abstract start(props: Record<string, string>): void | Promise<void>;
  /** The Task class the worker instantiates for each task configuration. */
  abstract taskClass(): TaskClass;
  /** At most `maxTasks` task configurations. */
  abstract taskConfigs(maxTasks: number): Array<Record<string, string>> | Promise<Array<Record<string, string>>>;
  abstract stop(): void | Promise<void>;
  /** The connector's own configuration keys (validated together with the framework's). */
  abstract config(): ConfigDef;

  /** Stops and starts again with new properties (Kafka's default). */
  async reconfigure(props: Record<string, string>): Promise<void> {
    await this.stop();
    await this.start(props);
  }

  /**
   * Validates the connector's configuration. The default (as Kafka's)
   * validates against `config()`; override to add cross-key checks. The
   * result is what `ConfigDef.validate` returns.
   */
  validate(connectorConfigs: Record<string, string>): ConfigValue[] {
    return this.config().validate(connectorConfigs);
  }
}
