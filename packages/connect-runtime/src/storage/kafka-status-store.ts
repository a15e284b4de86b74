/**
 * `KafkaStatusBackingStore`: connector, task and topic (KIP-558) statuses in
 * the status topic (`status.storage.topic`, compacted), with Kafka's keys and
 * the JSON a schemaless JsonConverter writes for its structs:
 *
 *     status-connector-<name>             {"state":"RUNNING","trace":null,"worker_id":"host:8083","generation":3}
 *     status-task-<name>-<n>              (same shape)
 *     status-topic-<topic>:connector-<name> {"topic":{"name":"t","connector":"c","task":0,"discoverTimestamp":1700000000000}}
 *
 * Every worker writes the statuses of what it runs and reads everyone's.
 * A "safe" write (Kafka's `putSafe`) does not overwrite a status that
 * another worker wrote in a newer generation.
 */
import type { ConsumerRecord } from '@nagare/client';
import type { Logger } from '@nagare/common';
import { jsonString } from '../converters/json-text';
import type { ConnectorTaskId, State, Status } from '../herder/status';
import { KafkaBasedLog, type KafkaBasedLogOptions } from './kafka-based-log';

export const CONNECTOR_STATUS_PREFIX = 'status-connector-';
export const TASK_STATUS_PREFIX = 'status-task-';
export const TOPIC_STATUS_PREFIX = 'status-topic-';
export const TOPIC_STATUS_SEPARATOR = ':connector-';

export interface TopicStatus {
  topic: string;
  connector: string;
  task: number;
  discoverTimestamp: number;
}

export const StatusRecords = {
  connectorKey: (name: string) => CONNECTOR_STATUS_PREFIX + name,
  taskKey: (id: ConnectorTaskId) => `${TASK_STATUS_PREFIX}${id.connector}-${id.task}`,
  topicKey: (topic: string, connector: string) => `${TOPIC_STATUS_PREFIX}${topic}${TOPIC_STATUS_SEPARATOR}${connector}`,
  status: (s: Status) =>
    `{"state":${jsonString(s.state)},"trace":${s.trace === null ? 'null' : jsonString(s.trace)},"worker_id":${jsonString(s.workerId)},"generation":${s.generation}}`,
  topic: (t: TopicStatus) =>
    `{"topic":{"name":${jsonString(t.topic)},"connector":${jsonString(t.connector)},"task":${t.task},"discoverTimestamp":${t.discoverTimestamp}}}`,
};

const STATES = new Set<State>(['UNASSIGNED', 'RUNNING', 'PAUSED', 'FAILED', 'RESTARTING', 'STOPPED', 'DESTROYED']);

function parseStatus(v: Buffer | null): Status | null | undefined {
  if (v === null) return null;
  try {
    const o = JSON.parse(v.toString('utf8')) as Record<string, unknown>;
    if (!STATES.has(o.state as State) || typeof o.worker_id !== 'string') return undefined;
    return { state: o.state as State, trace: typeof o.trace === 'string' ? o.trace : null, workerId: o.worker_id, generation: typeof o.generation === 'number' ? o.generation : 0 };
  } catch {
    return undefined;
  }
}

export class KafkaStatusBackingStore {
  private readonly log: KafkaBasedLog;
  private readonly connectors = new Map<string, Status>();
  private readonly tasks = new Map<string, Map<number, Status>>();
  private readonly topics = new Map<string, Map<string, TopicStatus>>();

  private readonly writes = new Map<string, Promise<void>>();

  constructor(
    logOptions: Omit<KafkaBasedLogOptions, 'onRecord'>,
    private readonly logger: Logger,
  ) {
    this.log = new KafkaBasedLog({ ...logOptions, onRecord: (r) => this.apply(r) });
  }

  start(): Promise<void> {
    return this.log.start();
  }
  stop(): Promise<void> {
    return this.log.stop();
  }
  refresh(): Promise<void> {
    return this.log.readToEnd();
  }

  private apply(r: ConsumerRecord): void {
    const key = r.key?.toString('utf8') ?? '';
    if (key.startsWith(CONNECTOR_STATUS_PREFIX)) {
      const name = key.slice(CONNECTOR_STATUS_PREFIX.length);
      const s = parseStatus(r.value);
      if (s === undefined) return this.logger.error(`Failed to parse connector status for ${name}`);
      if (s === null) this.connectors.delete(name);
      else this.connectors.set(name, s);
    } else if (key.startsWith(TASK_STATUS_PREFIX)) {
      const rest = key.slice(TASK_STATUS_PREFIX.length);
      const dash = rest.lastIndexOf('-');
      const task = Number(rest.slice(dash + 1));
      if (dash <= 0 || !Number.isInteger(task)) return this.logger.error(`Invalid task status key ${key}`);
      const connector = rest.slice(0, dash);
      const s = parseStatus(r.value);
      if (s === undefined) return;
      let m = this.tasks.get(connector);
      if (s === null) {
        m?.delete(task);
        return;
      }
      if (!m) this.tasks.set(connector, (m = new Map()));
      // Kafka's readTaskStatus: an UNASSIGNED of the same or an older generation, written by a worker that had
      // not read the RUNNING status of the task's new owner yet, does not replace it
      const cur = m.get(task);
      if (s.state === 'UNASSIGNED' && cur && cur.state === 'RUNNING' && cur.generation >= s.generation) return;
      m.set(task, s);
    } else if (key.startsWith(TOPIC_STATUS_PREFIX)) {
      const rest = key.slice(TOPIC_STATUS_PREFIX.length);
      const sep = rest.indexOf(TOPIC_STATUS_SEPARATOR);
      if (sep < 0) return;
      const topic = rest.slice(0, sep);
      const connector = rest.slice(sep + TOPIC_STATUS_SEPARATOR.length);
      let m = this.topics.get(connector);
      if (r.value === null) {
        m?.delete(topic);
        return;
      }
      try {
        const t = (JSON.parse(r.value.toString('utf8')) as { topic: TopicStatus }).topic;
        if (!m) this.topics.set(connector, (m = new Map()));
        m.set(topic, { topic: t.topic ?? topic, connector: t.connector ?? connector, task: t.task, discoverTimestamp: t.discoverTimestamp });
      } catch {
        this.logger.error(`Failed to parse topic status ${key}`);
      }
    }
  }

  connector(name: string): Status | undefined {
    return this.connectors.get(name);
  }
  task(id: ConnectorTaskId): Status | undefined {
    return this.tasks.get(id.connector)?.get(id.task);
  }
  connectorTasks(name: string): Array<[number, Status]> {
    return [...(this.tasks.get(name) ?? new Map<number, Status>())].sort((a, b) => a[0] - b[0]);
  }
  connectorNames(): string[] {
    return [...this.connectors.keys()];
  }
  topicsOf(connector: string): TopicStatus[] {
    return [...(this.topics.get(connector)?.values() ?? [])];
  }

  /**
   * Status writes of one key, in the order they were asked for (a safe write
   * reads the topic first, so a later plain write must not overtake it).
   */
  private inOrder(key: string, write: () => Promise<void>): Promise<void> {
    const prev = this.writes.get(key) ?? Promise.resolve();
    const next = prev.then(write, write);
    this.writes.set(key, next);
    void next.finally(() => {
      if (this.writes.get(key) === next) this.writes.delete(key);
    }).catch(() => undefined);
    return next;
  }

  /**
   * Before a safe write: catch up with the topic, so the check sees what other
   * workers wrote (a worker frozen while its task moved elsewhere has a stale
   * view; Kafka checks its cache as it is).
   */
  private async catchUp(): Promise<void> {
    try {
      await this.log.readToEnd();
    } catch {
      // check against what is known
    }
  }

  /** Writes a connector status; with `safe` (Kafka's putSafe), not over a newer generation written by another worker. */
  putConnector(name: string, s: Status, safe = false): Promise<void> {
    return this.inOrder(StatusRecords.connectorKey(name), async () => {
      if (safe) await this.catchUp();
      const cur = this.connectors.get(name);
      if (safe && cur && cur.workerId !== s.workerId && cur.generation > s.generation) return;
      this.connectors.set(name, s);
      await this.log.send(StatusRecords.connectorKey(name), StatusRecords.status(s));
    });
  }

  putTask(id: ConnectorTaskId, s: Status, safe = false): Promise<void> {
    return this.inOrder(StatusRecords.taskKey(id), async () => {
      if (safe) await this.catchUp();
      const cur = this.task(id);
      if (safe && cur && cur.workerId !== s.workerId && cur.generation > s.generation) return;
      let m = this.tasks.get(id.connector);
      if (!m) this.tasks.set(id.connector, (m = new Map()));
      m.set(id.task, s);
      await this.log.send(StatusRecords.taskKey(id), StatusRecords.status(s));
    });
  }

  async putTopic(t: TopicStatus): Promise<void> {
    let m = this.topics.get(t.connector);
    if (m?.has(t.topic)) return;
    if (!m) this.topics.set(t.connector, (m = new Map()));
    m.set(t.topic, t);
    await this.log.send(StatusRecords.topicKey(t.topic, t.connector), StatusRecords.topic(t));
  }

  /** Tombstones the connector's status, its tasks' and its topics' (KIP-558 reset). */
  async deleteConnector(name: string, taskCount: number): Promise<void> {
    const tasks = new Set([...(this.tasks.get(name)?.keys() ?? []), ...Array.from({ length: taskCount }, (_v, i) => i)]);
    this.connectors.delete(name);
    this.tasks.delete(name);
    await this.log.sendAll([{ key: StatusRecords.connectorKey(name), value: null }, ...[...tasks].map((t) => ({ key: StatusRecords.taskKey({ connector: name, task: t }), value: null }))]);
  }

  async deleteTask(id: ConnectorTaskId): Promise<void> {
    this.tasks.get(id.connector)?.delete(id.task);
    await this.log.send(StatusRecords.taskKey(id), null);
  }

  async resetTopics(connector: string): Promise<void> {
    const topics = [...(this.topics.get(connector)?.keys() ?? [])];
    this.topics.delete(connector);
    if (topics.length > 0) await this.log.sendAll(topics.map((t) => ({ key: StatusRecords.topicKey(t, connector), value: null })));
  }
}
