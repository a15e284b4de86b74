/**
 * Connector and task states (`AbstractStatus.State`) and the REST status
 * shapes (`ConnectorStateInfo`, `TaskInfo`, `ConnectorInfo`).
 */
export type State = 'UNASSIGNED' | 'RUNNING' | 'PAUSED' | 'FAILED' | 'RESTARTING' | 'STOPPED' | 'DESTROYED';
/** The target a user asks for (`TargetState`). */
export type TargetState = 'STARTED' | 'PAUSED' | 'STOPPED';

export interface Status {
  state: State;
  /** The failure's stack trace (FAILED only). */
  trace: string | null;
  workerId: string;
  generation: number;
}

export interface ConnectorTaskId {
  connector: string;
  task: number;
}

export function taskIdString(id: ConnectorTaskId): string {
  return `${id.connector}-${id.task}`;
}

export interface ConnectorStateInfo {
  name: string;
  connector: { state: State; worker_id: string; trace?: string };
  tasks: Array<{ id: number; state: State; worker_id: string; trace?: string }>;
  type: 'source' | 'sink' | 'unknown';
}

export interface ConnectorInfo {
  name: string;
  config: Record<string, string>;
  tasks: ConnectorTaskId[];
  type: 'source' | 'sink' | 'unknown';
}

export interface TaskInfo {
  id: ConnectorTaskId;
  config: Record<string, string>;
}

/** Kafka's failure trace: `<class>: <message>` then `\tat ...` frames, causes as `Caused by: ...`. */
export function traceOf(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const cls = (e as { kafkaClass?: string }).kafkaClass ?? e.name;
  const frames = (e.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l)).map((l) => '\t' + l.trim());
  let out = `${cls}: ${e.message}` + (frames.length ? '\n' + frames.join('\n') : '');
  if (e.cause !== undefined) out += '\nCaused by: ' + traceOf(e.cause);
  return out;
}

/** Status of every connector and task this worker knows, with a generation per entity (`MemoryStatusBackingStore`). */
export class StatusStore {
  private readonly connectors = new Map<string, Status>();
  private readonly tasks = new Map<string, Map<number, Status>>();
  readonly history: Array<{ id: string; state: State }> = [];

  putConnector(name: string, state: State, workerId: string, trace: string | null = null): void {
    const prev = this.connectors.get(name);
    this.connectors.set(name, { state, trace, workerId, generation: (prev?.generation ?? -1) + 1 });
    this.history.push({ id: name, state });
  }

  putTask(id: ConnectorTaskId, state: State, workerId: string, trace: string | null = null): void {
    let m = this.tasks.get(id.connector);
    if (!m) this.tasks.set(id.connector, (m = new Map()));
    const prev = m.get(id.task);
    m.set(id.task, { state, trace, workerId, generation: (prev?.generation ?? -1) + 1 });
    this.history.push({ id: taskIdString(id), state });
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

  removeConnector(name: string): void {
    this.connectors.delete(name);
    this.tasks.delete(name);
  }

  removeTask(id: ConnectorTaskId): void {
    this.tasks.get(id.connector)?.delete(id.task);
  }
}
