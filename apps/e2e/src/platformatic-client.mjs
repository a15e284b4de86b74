// Drives @platformatic/kafka (ESM-only, flexible protocol versions) for the
// e2e suite, in its own process because jest cannot load ESM.
//   node platformatic-client.mjs <bootstrap> '<JSON array of operations>'
// Runs the operations in order and prints one JSON object:
//   { results: [ {ok: ...} | {error, code} ], apis: [[apiKey, apiVersion], ...] }
// where `apis` lists every (API key, version) the client sent, seen through
// the library's diagnostics channel, so the suite can assert the flexible
// versions were used. bigints are printed as strings, Maps as objects.
import diagnostics from 'node:diagnostics_channel';
import { Admin, Connection, Consumer, Producer, describeConfigsV4, incrementalAlterConfigsV1, offsetFetchV9, stringDeserializers, stringSerializers } from '@platformatic/kafka';

const [bootstrap, opsJson] = process.argv.slice(2);
const ops = JSON.parse(opsJson);
const apis = new Set();
diagnostics.tracingChannel('plt:kafka:connections:api').subscribe({
  start(ctx) {
    if (typeof ctx.apiKey === 'number') apis.add(`${ctx.apiKey}:${ctx.apiVersion}`);
  },
  end() {},
  asyncStart() {},
  asyncEnd() {},
  error() {},
});

const base = { bootstrapBrokers: [bootstrap], retries: 5, retryDelay: 200, timeout: 10000 };
const clientId = 'e2e-platformatic';

function withTimeout(p, ms, what) {
  let t;
  return Promise.race([p, new Promise((_, rej) => (t = setTimeout(() => rej(new Error(`${what} timed out after ${ms} ms`)), ms)))]).finally(() => clearTimeout(t));
}

// @platformatic/kafka 1.22 (the last release whose dependencies support
// Node 20) has no Admin methods for configs and group offsets: those
// operations use the library's own protocol codecs on its Connection.
async function withConnection(fn) {
  const i = bootstrap.lastIndexOf(':');
  const c = new Connection(clientId);
  await c.connect(bootstrap.slice(0, i), Number(bootstrap.slice(i + 1)));
  try {
    return await fn(c);
  } finally {
    await c.close();
  }
}

async function withAdmin(fn) {
  const admin = new Admin({ ...base, clientId });
  try {
    return await fn(admin);
  } finally {
    await admin.close();
  }
}

/** Runs `members` consumers of one group until `count` records arrived across them. */
async function consumeGroup(op) {
  const members = [];
  for (let i = 0; i < op.members; i++) {
    const consumer = new Consumer({
      ...base,
      clientId: `${clientId}-m${i}`,
      groupId: op.groupId,
      deserializers: stringDeserializers,
      sessionTimeout: 6000,
      rebalanceTimeout: 6000,
      heartbeatInterval: 300,
      maxWaitTime: 200,
    });
    members.push({ i, consumer, stream: null, joins: [], got: [], fetches: 0 });
  }
  let total = 0;
  let resolveAll;
  const all = new Promise((r) => (resolveAll = r));
  for (const m of members) {
    m.consumer.on('consumer:group:join', (p) => m.joins.push({ generationId: p.generationId, memberId: p.memberId, assignments: p.assignments }));
    m.stream = await m.consumer.consume({ topics: [op.topic], mode: 'committed', fallbackMode: 'earliest', autocommit: true });
    m.stream.on('fetch', () => m.fetches++);
    m.stream.on('data', (msg) => {
      m.got.push({ member: m.i, topic: msg.topic, partition: msg.partition, offset: String(msg.offset), key: msg.key, value: msg.value });
      if (++total >= op.count) resolveAll();
    });
  }
  if (op.produce) {
    // Wait until every member joined one generation whose assignments split
    // all partitions between them, then produce, so the split is what consumes.
    const settled = () => {
      const gen = members[0].consumer.generationId;
      if (!(gen > 0) || members.some((m) => m.consumer.generationId !== gen || !m.consumer.assignments)) return false;
      const parts = members.flatMap((m) => m.consumer.assignments.filter((a) => a.topic === op.topic).flatMap((a) => a.partitions));
      return parts.length === op.partitions && new Set(parts).size === op.partitions && members.every((m) => m.consumer.assignments.some((a) => a.partitions.length > 0));
    };
    const started = Date.now();
    while (!settled()) {
      if (Date.now() - started > (op.timeoutMs ?? 20000)) throw new Error(`the group did not settle: ${JSON.stringify(members.map((m) => [m.consumer.generationId, m.consumer.assignments]))}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    // A fetch sent before the rebalance (with the old assignment) may still be
    // in flight and would return records of a revoked partition: wait until
    // every member completed two more fetches, the last of which was sent
    // under the settled assignment.
    const marks = members.map((m) => m.fetches);
    while (members.some((m, i) => m.fetches < marks[i] + 2)) {
      if (Date.now() - started > (op.timeoutMs ?? 20000)) throw new Error('members did not fetch after the group settled');
      await new Promise((r) => setTimeout(r, 20));
    }
    await runOp({ op: 'produce', topic: op.topic, messages: op.produce });
  }
  try {
    await withTimeout(all, op.timeoutMs ?? 20000, `consuming ${op.count} records`);
  } catch (e) {
    e.message += ` (got ${total})`;
    throw e;
  }
  const assignments = members.map((m) => ({ memberId: m.consumer.memberId, generationId: m.consumer.generationId, assignments: m.consumer.assignments }));
  for (const m of members) await m.stream.close();
  for (const m of members) await m.consumer.close();
  return { messages: members.flatMap((m) => m.got), assignments, joins: members.map((m) => m.joins) };
}

async function runOp(op) {
  switch (op.op) {
    case 'createTopics':
      return withAdmin((a) => a.createTopics({ topics: op.topics, partitions: op.partitions ?? 1, replicas: 1, configs: op.configs }));
    case 'listTopics':
      return withAdmin((a) => a.listTopics({ includeInternals: op.includeInternals ?? false }));
    case 'metadata':
      return withAdmin((a) => a.metadata({ topics: op.topics }));
    case 'deleteTopics':
      return withAdmin((a) => a.deleteTopics({ topics: op.topics }));
    case 'describeConfigs':
      return withConnection(async (c) => (await describeConfigsV4.api.async(c, [{ resourceType: 2, resourceName: op.topic, configurationKeys: op.keys ?? [] }], false, false)).results);
    case 'incrementalAlterConfigs':
      return withConnection(async (c) => (await incrementalAlterConfigsV1.api.async(c, [{ resourceType: 2, resourceName: op.topic, configs: op.configs }], false)).responses);
    case 'listGroupOffsets':
      return withConnection(async (c) => (await offsetFetchV9.api.async(c, [{ groupId: op.groupId, memberId: null, memberEpoch: -1, topics: null }], false)).groups);
    case 'describeGroups':
      return withAdmin((a) => a.describeGroups({ groups: [op.groupId] }));
    case 'produce': {
      const producer = new Producer({ ...base, clientId, serializers: stringSerializers, idempotent: op.idempotent ?? false });
      try {
        return await producer.send({
          messages: op.messages.map((m) => ({ topic: op.topic, key: m.key, value: m.value, partition: m.partition, headers: m.headers })),
          acks: -1,
          compression: op.compression ?? 'none',
          autocreateTopics: op.autocreateTopics ?? false,
        });
      } finally {
        await producer.close();
      }
    }
    case 'consumeGroup':
      return consumeGroup(op);
    default:
      throw new Error(`unknown op ${op.op}`);
  }
}

const replace = (_k, v) => {
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Map) return Object.fromEntries(v);
  if (v instanceof Set) return [...v];
  if (v && v.type === 'Buffer' && Array.isArray(v.data)) return Buffer.from(v.data).toString();
  return v;
};

const results = [];
for (const op of ops) {
  try {
    results.push({ ok: (await runOp(op)) ?? null });
  } catch (e) {
    results.push({ error: String(e && e.message), code: e && e.code, errors: e && e.errors ? e.errors.map((x) => ({ message: String(x.message), apiCode: x.apiCode })) : undefined });
  }
}
process.stdout.write(JSON.stringify({ results, apis: [...apis].map((s) => s.split(':').map(Number)) }, replace) + '\n');
process.exit(0);
