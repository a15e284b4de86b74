/**
 * Exactly-once source connectors (KIP-618) as operators run them: real
 * `connect-distributed` processes with `exactly.once.source.support=enabled`
 * against the real server.
 *
 * - A FileStreamSource with `exactly.once.support=required` and interval
 *   transaction boundaries is killed with kill -9 while a transaction is
 *   open and lines are still being appended; a second worker takes over.
 *   A read_committed consumer sees every line exactly once, in order, while
 *   a read_uncommitted one also sees the aborted records of the killed
 *   transaction (so the crash really left one open).
 * - A zombie: the worker running a task is frozen (SIGSTOP) until the group
 *   drops it and the task runs elsewhere; when it wakes up its producer is
 *   fenced (PRODUCER_FENCED) and nothing it writes becomes visible.
 * - Zombie fencing rounds: reconfiguring a two-task connector to three fences
 *   both old task producers through the admin client (their epochs move) and
 *   writes `tasks-fencing-<name>` task count records to the config topic;
 *   connector-defined transaction boundaries commit and abort where the task
 *   says; `PUT /connectors/{c}/fence` checks its signature.
 */
import { createHmac } from 'node:crypto';
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Admin, Consumer, type IsolationLevel } from '@nagare/client';
import {
  cleanupAll,
  getJson,
  kill9,
  sendJson,
  startDistributedWorker,
  startServer,
  tempDir,
  waitFor,
  waitHealthy,
  type DistributedWorker,
} from './testing/harness';

const PLUGINS = join(__dirname, 'testing/plugins');
const STRING = 'org.apache.kafka.connect.storage.StringConverter';

afterAll(() => cleanupAll());

function workerProps(group: string): Record<string, string> {
  return {
    'group.id': group,
    'config.storage.topic': `${group}-configs`,
    'offset.storage.topic': `${group}-offsets`,
    'status.storage.topic': `${group}-status`,
    'exactly.once.source.support': 'enabled',
    'key.converter': STRING,
    'value.converter': STRING,
    'offset.storage.partitions': '5',
    'status.storage.partitions': '3',
    'session.timeout.ms': '6000',
    'heartbeat.interval.ms': '1000',
    'rebalance.timeout.ms': '20000',
    'scheduled.rebalance.max.delay.ms': '2000',
    'offset.flush.interval.ms': '1000',
    'plugin.path': PLUGINS,
  };
}

/** Every record value of partition 0 of `topic` up to its end, read with the given isolation level. */
async function readAll(bootstrap: string, topic: string, isolationLevel: IsolationLevel): Promise<string[]> {
  const c = new Consumer({ bootstrapServers: bootstrap, clientId: `eos-check-${isolationLevel}`, isolationLevel });
  try {
    const tp = { topic, partition: 0 };
    c.assign([tp]);
    c.seekToBeginning();
    const end = (await c.endOffsets([tp])).values().next().value as number;
    const out: string[] = [];
    while ((await c.position(tp)) < end) for (const r of await c.poll(500)) out.push(r.value?.toString('utf8') ?? '');
    return out;
  } finally {
    await c.close();
  }
}

/** The high watermark and the last stable offset of partition 0: they differ while a transaction is open. */
async function hwAndLso(admin: Admin, topic: string): Promise<{ hw: number; lso: number }> {
  const [hw] = await admin.listOffsets([{ topic, partition: 0, spec: 'latest' }], { isolationLevel: 'read_uncommitted' });
  const [lso] = await admin.listOffsets([{ topic, partition: 0, spec: 'latest' }], { isolationLevel: 'read_committed' });
  return { hw: hw.offset, lso: lso.offset };
}

async function taskWorker(w: DistributedWorker, connector: string): Promise<string | undefined> {
  const r = await getJson(`${w.rest}/connectors/${connector}/status`);
  if (r.status !== 200) return undefined;
  const t = (r.body as { tasks: Array<{ state: string; worker_id: string }> }).tasks[0];
  return t?.state === 'RUNNING' ? t.worker_id : undefined;
}

test('kill -9 mid-stream, restart elsewhere: a read_committed consumer sees every line exactly once', async () => {
  const server = await startServer();
  const dir = tempDir();
  const props = workerProps('eos-crash');
  const a = await startDistributedWorker(dir, server.bootstrap, props);
  await waitHealthy(a);

  const input = join(dir, 'input.txt');
  const TOTAL = 40_000;
  const line = (i: number) => `line-${String(i).padStart(6, '0')}`;
  let written = 0;
  const append = (n: number) => {
    const lines: string[] = [];
    for (let i = 0; i < n && written < TOTAL; i++) lines.push(line(++written));
    if (lines.length > 0) appendFileSync(input, lines.join('\n') + '\n');
  };
  writeFileSync(input, '');
  append(5_000);
  // the rest arrives while the workers run (and while one is killed)
  const appender = setInterval(() => append(250), 40);

  const created = await sendJson('POST', `${a.rest}/connectors`, {
    name: 'eos-file',
    config: {
      'connector.class': 'FileStreamSource',
      file: input,
      topic: 'eos-lines',
      'batch.size': '100',
      'exactly.once.support': 'required',
      'transaction.boundary': 'interval',
      'transaction.boundary.interval.ms': '1500',
    },
  });
  expect(created.status).toBe(201);
  const admin = new Admin({ bootstrapServers: server.bootstrap, clientId: 'eos-crash-admin' });
  try {
    // mid-stream: some transactions committed, and one open right now
    await waitFor(
      'committed lines and an open transaction',
      async () => {
        const { hw, lso } = await hwAndLso(admin, 'eos-lines');
        return lso >= 3_000 && hw > lso && written < TOTAL;
      },
      120_000,
      20,
    );
    await kill9(a);
    const { hw: hwAtKill, lso: lsoAtKill } = await hwAndLso(admin, 'eos-lines');
    expect(hwAtKill).toBeGreaterThan(lsoAtKill);

    const b = await startDistributedWorker(dir, server.bootstrap, props);
    await waitHealthy(b);
    await waitFor('the appender to finish', () => written >= TOTAL, 120_000, 100);
    clearInterval(appender);
    // every line committed: the last stable offset covers TOTAL records plus markers, and no transaction stays open
    const committed = await waitFor(
      'every line in committed transactions',
      async () => {
        const v = await readAll(server.bootstrap, 'eos-lines', 'read_committed');
        return v.length >= TOTAL ? v : undefined;
      },
      180_000,
      1000,
    );
    expect(committed.length).toBe(TOTAL);
    const expected = Array.from({ length: TOTAL }, (_v, i) => line(i + 1));
    expect(committed).toEqual(expected);

    // the killed worker's open transaction was in the log and was aborted (its records are there, uncommitted)
    const uncommitted = await readAll(server.bootstrap, 'eos-lines', 'read_uncommitted');
    expect(uncommitted.length).toBeGreaterThan(TOTAL);
    expect(new Set(uncommitted)).toEqual(new Set(expected));
    // the task now runs on the second worker and its offset is the file's end
    expect(await taskWorker(b, 'eos-file')).toBe(`127.0.0.1:${b.port}`);
    const offsets = await getJson(`${b.rest}/connectors/eos-file/offsets`);
    expect(offsets.body).toEqual({ offsets: [{ partition: { filename: input }, offset: { position: TOTAL * 12 } }] });
  } finally {
    clearInterval(appender);
    admin.close();
  }
}, 420_000);

/** Every record (key, value) of the config topic. */
async function configRecords(bootstrap: string, topic: string): Promise<Array<{ key: string; value: string | null }>> {
  const c = new Consumer({ bootstrapServers: bootstrap, clientId: 'eos-config-check', isolationLevel: 'read_committed' });
  try {
    const tp = { topic, partition: 0 };
    c.assign([tp]);
    c.seekToBeginning();
    const end = (await c.endOffsets([tp])).values().next().value as number;
    const out: Array<{ key: string; value: string | null }> = [];
    while ((await c.position(tp)) < end) for (const r of await c.poll(500)) out.push({ key: r.key?.toString('utf8') ?? '', value: r.value?.toString('utf8') ?? null });
    return out;
  } finally {
    await c.close();
  }
}

/** Every record (key, value) of every partition of a topic, read_committed. */
async function configRecordsOf(bootstrap: string, topic: string, partitions: number): Promise<Array<{ key: string; value: string | null }>> {
  const c = new Consumer({ bootstrapServers: bootstrap, clientId: 'eos-topic-check', isolationLevel: 'read_committed' });
  try {
    const tps = Array.from({ length: partitions }, (_v, partition) => ({ topic, partition }));
    c.assign(tps);
    c.seekToBeginning();
    const ends = await c.endOffsets(tps);
    const out: Array<{ key: string; value: string | null }> = [];
    const behind = async () => {
      for (const tp of tps) if ((await c.position(tp)) < (ends.get(`${topic}\u0000${tp.partition}`) ?? 0)) return true;
      return false;
    };
    while (await behind()) for (const r of await c.poll(500)) out.push({ key: r.key?.toString('utf8') ?? '', value: r.value?.toString('utf8') ?? null });
    return out;
  } finally {
    await c.close();
  }
}

/** `<connector>-<n>` values in order as numbers; throws on anything else. */
function counts(values: string[], connector: string): number[] {
  return values.map((v) => {
    if (!v.startsWith(`${connector}-`)) throw new Error(`unexpected record ${v}`);
    return Number(v.slice(connector.length + 1));
  });
}

test('a zombie task (its worker frozen, then back) is fenced: nothing it writes becomes visible', async () => {
  const server = await startServer();
  const dir = tempDir();
  const props = workerProps('eos-zombie');
  const workers = [await startDistributedWorker(dir, server.bootstrap, props), await startDistributedWorker(dir, server.bootstrap, props)];
  for (const w of workers) await waitHealthy(w);
  const created = await sendJson('POST', `${workers[0].rest}/connectors`, {
    name: 'zc',
    config: { 'connector.class': 'com.example.TxnCounterSourceConnector', topic: 'zc-topic', 'records.per.poll': '10', 'poll.interval.ms': '20', 'exactly.once.support': 'required' },
  });
  expect(created.status).toBe(201);
  const owner = await waitFor('the task RUNNING', () => taskWorker(workers[0], 'zc'), 60_000, 100);
  const zombie = workers.find((w) => `127.0.0.1:${w.port}` === owner)!;
  const survivor = workers.find((w) => w !== zombie)!;
  const admin = new Admin({ bootstrapServers: server.bootstrap, clientId: 'eos-zombie-admin' });
  try {
    await waitFor('records committed', async () => (await hwAndLso(admin, 'zc-topic')).lso > 200, 60_000, 50);
    const [before] = await admin.describeTransactions(['eos-zombie-zc-0']);
    expect(before.error).toBeNull();

    // freeze the owner: the group drops it and the task starts on the other worker, fencing the frozen producer
    zombie.proc.kill('SIGSTOP');
    const frozenAt = (await hwAndLso(admin, 'zc-topic')).lso;
    await waitFor('the task RUNNING on the other worker', async () => (await taskWorker(survivor, 'zc')) === `127.0.0.1:${survivor.port}`, 90_000, 200);
    await waitFor('the new owner committing', async () => (await hwAndLso(admin, 'zc-topic')).lso > frozenAt + 200, 60_000, 50);
    const [fenced] = await admin.describeTransactions(['eos-zombie-zc-0']);
    expect(fenced.producerId === before.producerId ? fenced.producerEpoch : fenced.producerEpoch + 1000).toBeGreaterThan(before.producerEpoch);

    // wake the zombie: its producer is fenced, its task fails; the new owner's status stands
    const seen = zombie.output.length;
    zombie.proc.kill('SIGCONT');
    await waitFor('the zombie to be fenced', () => zombie.output.slice(seen).some((l) => /PRODUCER_FENCED|INVALID_PRODUCER_EPOCH|fenced/i.test(l)), 60_000, 100);
    await new Promise((r) => setTimeout(r, 2000));
    expect(await taskWorker(survivor, 'zc')).toBe(`127.0.0.1:${survivor.port}`);

    const committed = counts(await readAll(server.bootstrap, 'zc-topic', 'read_committed'), 'zc');
    expect(committed.length).toBeGreaterThan(400);
    expect(committed).toEqual(Array.from({ length: committed.length }, (_v, i) => i + 1));
  } finally {
    zombie.proc.kill('SIGCONT');
    admin.close();
  }
}, 420_000);

test('fencing rounds and task count records on reconfiguration; connector-defined boundaries; the fence endpoint', async () => {
  const server = await startServer();
  const dir = tempDir();
  const props = workerProps('eos-fence');
  const w = await startDistributedWorker(dir, server.bootstrap, props);
  await waitHealthy(w);
  const admin = new Admin({ bootstrapServers: server.bootstrap, clientId: 'eos-fence-admin' });
  try {
    // validation: the preflight checks answer 400 with Kafka's messages
    const bad = await sendJson('PUT', `${w.rest}/connectors/bad/config`, { 'connector.class': 'com.example.CounterSourceConnector', topic: 't', 'exactly.once.support': 'required', 'transaction.boundary': 'connector' });
    expect(bad.status).toBe(400);
    expect((bad.body as { message: string }).message).toBe(
      'Connector configuration is invalid and contains the following 2 error(s):\n' +
        'The connector does not implement the API required for preflight validation of exactly-once source support. Please consult the documentation for the connector to determine whether it supports exactly-once semantics, and then consider reconfiguring the connector to use the value "requested" for this property (which will disable this preflight check and allow the connector to be created).\n' +
        'The connector does not support connector-defined transaction boundaries with the given configuration. Please reconfigure it to use a different transaction boundary definition.\n' +
        'You can also find the above list of errors at the endpoint `/connector-plugins/{connectorType}/config/validate`',
    );

    // two tasks (a connector that does not say whether it supports exactly-once: "requested" runs it anyway)
    const base = { 'connector.class': 'com.example.CounterSourceConnector', topic: 'fc-topic', 'records.per.poll': '5', 'poll.interval.ms': '20' };
    expect((await sendJson('PUT', `${w.rest}/connectors/fc/config`, { ...base, 'tasks.max': '2' })).status).toBe(201);
    const running = (n: number) => async () => {
      const r = await getJson(`${w.rest}/connectors/fc/status`);
      const ts = (r.body as { tasks?: Array<{ state: string }> }).tasks ?? [];
      return ts.length === n && ts.every((t) => t.state === 'RUNNING');
    };
    await waitFor('two tasks RUNNING', running(2), 60_000, 100);
    await waitFor('both tasks committing', async () => (await admin.describeTransactions(['eos-fence-fc-0', 'eos-fence-fc-1'])).every((d) => d.error === null), 60_000, 200);
    const epochsBefore = await admin.describeTransactions(['eos-fence-fc-0', 'eos-fence-fc-1']);

    // three tasks: the round fences both old producers, then records 3
    expect((await sendJson('PUT', `${w.rest}/connectors/fc/config`, { ...base, 'tasks.max': '3' })).status).toBe(200);
    await waitFor('three tasks RUNNING', running(3), 60_000, 100);
    const fencing = (await configRecords(server.bootstrap, 'eos-fence-configs')).filter((r) => r.key === 'tasks-fencing-fc').map((r) => r.value);
    expect(fencing).toEqual(['{"task-count":2}', '{"task-count":3}']);
    const epochsAfter = await admin.describeTransactions(['eos-fence-fc-0', 'eos-fence-fc-1']);
    for (let i = 0; i < 2; i++) {
      // fenced (epoch + 1) and initialized again by the new task (epoch + 1 more), same producer id
      expect(epochsAfter[i].producerId).toBe(epochsBefore[i].producerId);
      expect(epochsAfter[i].producerEpoch).toBeGreaterThanOrEqual(epochsBefore[i].producerEpoch + 2);
    }
    // every task's numbers are contiguous in committed data, no duplicates across the reconfiguration
    const values = await readAll(server.bootstrap, 'fc-topic', 'read_committed');
    for (const task of [0, 1]) {
      const nums = values.filter((v) => v.startsWith(`fc-${task}-`)).map((v) => Number(v.slice(`fc-${task}-`.length)));
      expect(nums).toEqual(Array.from({ length: nums.length }, (_v, i) => i + 1));
    }

    // the fence endpoint: unsigned -> 400, wrongly signed -> 403, signed with the session key -> 204; sinks -> 400
    expect((await sendJson('PUT', `${w.rest}/connectors/fc/fence`)).body).toEqual({ error_code: 400, message: 'Internal request missing required signature' });
    const sessionKey = JSON.parse((await configRecords(server.bootstrap, 'eos-fence-configs')).filter((r) => r.key === 'session-key').pop()!.value!) as { key: string };
    const fence = async (name: string, key: Buffer) => {
      const r = await fetch(`${w.rest}/connectors/${name}/fence`, {
        method: 'PUT',
        headers: { 'X-Connect-Authorization': createHmac('sha256', key).update(Buffer.alloc(0)).digest('base64'), 'X-Connect-Request-Signature-Algorithm': 'HmacSHA256' },
      });
      const text = await r.text();
      return { status: r.status, body: text === '' ? null : (JSON.parse(text) as unknown) };
    };
    expect(await fence('fc', Buffer.from('not the key'))).toEqual({ status: 403, body: { error_code: 403, message: 'Internal request contained invalid signature.' } });
    expect(await fence('fc', Buffer.from(sessionKey.key, 'base64'))).toEqual({ status: 204, body: null });
    expect(await fence('nope', Buffer.from(sessionKey.key, 'base64'))).toEqual({ status: 404, body: { error_code: 404, message: 'Connector nope not found' } });
    expect((await sendJson('PUT', `${w.rest}/connectors/fsink/config`, { 'connector.class': 'FileStreamSink', topics: 'fc-topic', file: join(dir, 'sink.txt') })).status).toBe(201);
    expect(await fence('fsink', Buffer.from(sessionKey.key, 'base64'))).toEqual({ status: 400, body: { error_code: 400, message: 'Connector fsink is not a source connector' } });

    // connector-defined boundaries: commit after every 7th record, abort at every 20th
    expect(
      (
        await sendJson('PUT', `${w.rest}/connectors/tc/config`, {
          'connector.class': 'com.example.TxnCounterSourceConnector',
          topic: 'tc-topic',
          'transaction.boundary': 'connector',
          'commit.every': '7',
          'abort.every': '20',
          'records.per.poll': '3',
          'exactly.once.support': 'required',
          // its own offsets topic (KIP-618): created, written in the task's transactions
          'offsets.storage.topic': 'tc-offsets',
        })
      )
        .status,
    ).toBe(201);
    await waitFor('connector-defined transactions committed', async () => (await hwAndLso(admin, 'tc-topic')).lso > 300, 60_000, 100);
    // stop it (its last, open transaction is not committed: a connector-defined boundary was not asked for)
    expect((await sendJson('PUT', `${w.rest}/connectors/tc/stop`)).status).toBe(204);
    await waitFor('tc stopped', async () => ((await getJson(`${w.rest}/connectors/tc/status`)).body as { tasks: unknown[] }).tasks.length === 0, 60_000, 100);
    const tc = counts(await readAll(server.bootstrap, 'tc-topic', 'read_committed'), 'tc');
    const last = tc[tc.length - 1];
    // the committed records are exactly those of transactions that ended in a commit: 1..last without any
    // transaction that ended in an abort (each ends at a multiple of 20 and began after the previous boundary)
    const expected: number[] = [];
    let txn: number[] = [];
    for (let n = 1; n <= last; n++) {
      txn.push(n);
      if (n % 20 === 0) txn = [];
      else if (n % 7 === 0) {
        expected.push(...txn);
        txn = [];
      }
    }
    expect(last % 7).toBe(0);
    expect(tc).toEqual(expected);
    expect(tc).not.toContain(20);
    // the aborted records' offsets were committed too: the stored offset is past them
    const off = (await getJson(`${w.rest}/connectors/tc/offsets`)).body as { offsets: Array<{ offset: { n: number } }> };
    expect(off.offsets[0].offset.n).toBeGreaterThanOrEqual(last);
    // ... in its own offsets topic, not the worker's
    const own = (await configRecordsOf(server.bootstrap, 'tc-offsets', 5)).filter((r) => r.key === '["tc",{"connector":"tc"}]');
    expect(own.length).toBeGreaterThan(0);
    expect(JSON.parse(own[own.length - 1].value!) as unknown).toEqual({ n: off.offsets[0].offset.n });
    const workerOffsets = (await configRecordsOf(server.bootstrap, 'eos-fence-offsets', 5)).filter((r) => r.key === '["tc",{"connector":"tc"}]');
    expect(workerOffsets.length).toBeGreaterThan(0); // the worker's topic gets them too, after each commit (secondary store)

    // offsets of a stopped exactly-once connector: a fencing round first (task count 0 recorded), then a transactional write
    expect((await sendJson('PUT', `${w.rest}/connectors/fc/stop`)).status).toBe(204);
    await waitFor('fc stopped', async () => ((await getJson(`${w.rest}/connectors/fc/status`)).body as { tasks: unknown[] }).tasks.length === 0, 60_000, 100);
    const altered = await sendJson('PATCH', `${w.rest}/connectors/fc/offsets`, { offsets: [{ partition: { connector: 'fc', task: 0 }, offset: { n: 5000 } }] });
    expect(altered).toMatchObject({ status: 200, body: { message: 'The offsets for this connector have been altered successfully' } });
    expect((await configRecords(server.bootstrap, 'eos-fence-configs')).filter((r) => r.key === 'tasks-fencing-fc').map((r) => r.value)).toEqual(['{"task-count":2}', '{"task-count":3}', '{"task-count":0}']);
    const fcOffsets = (await getJson(`${w.rest}/connectors/fc/offsets`)).body as { offsets: Array<{ partition: { task: number }; offset: { n: number } }> };
    expect(fcOffsets.offsets.find((o) => o.partition.task === 0)?.offset).toEqual({ n: 5000 });
    // the leader writes the config topic with its own transactional producer
    expect((await admin.listTransactions()).map((t) => t.transactionalId)).toContain('connect-cluster-eos-fence');
  } finally {
    admin.close();
  }
}, 420_000);
