/**
 * Static group members (KIP-345) with librdkafka (python3-confluent-kafka):
 * a static member's close() sends no LeaveGroup, so the group keeps its
 * members until their session timeouts pass. DeleteGroups must answer
 * NON_EMPTY_GROUP before that and succeed once the timeouts have passed,
 * at the first try: expiry is due at the deadline, not whenever the next
 * timer happens to run (a late timer once left the group non-empty 75 ms
 * after its members' sessions had ended).
 */
import { Admin, Kafka } from 'kafkajs';
import { NagareProcess, cleanupAll, requirePythonModule, runPython, sleep, startNagare } from './harness';
import { connectedAdmin, newKafka } from './kafkajs-helpers';

jest.setTimeout(120000);

let server: NagareProcess;
let kafka: Kafka;
let admin: Admin;

beforeAll(async () => {
  requirePythonModule('confluent_kafka', 'python3-confluent-kafka');
  // Kafka's own default group timing (3 s initial rebalance delay) apart from
  // allowing a short session timeout.
  server = await startNagare({ props: { 'group.min.session.timeout.ms': '1000' } });
  kafka = newKafka(server.bootstrap, 'e2e-static-members');
  admin = await connectedAdmin(kafka);
});
afterAll(async () => {
  await admin?.disconnect();
  await cleanupAll();
});

interface StaticRun {
  assignments: number[][] | null;
  records: number;
  closedAt: number;
  errors: string[];
}

test('closed static members stay until their session timeout; then DeleteGroups succeeds at once', async () => {
  const topic = 'static-members';
  const group = 'static-group';
  const sessionMs = 4000;
  await admin.createTopics({ topics: [{ topic, numPartitions: 4 }] });
  const r = await runPython<StaticRun>('static_members.py', [server.bootstrap, topic, group, '4', String(sessionMs)]);
  expect(r.errors).toEqual([]);
  expect(r.assignments).not.toBeNull();
  expect(r.records).toBe(4);

  // Right after close: both static members are still in the group.
  const before = await admin.describeGroups([group]);
  expect(before.groups[0].members.map((m) => m.clientId).sort()).toEqual(['e2e-static-0', 'e2e-static-1']);
  const early = await admin.deleteGroups([group]).catch((e: { groups?: Array<{ errorCode: number }> }) => e);
  expect((early as { groups?: Array<{ errorCode: number }> }).groups?.[0]?.errorCode).toBe(68); // NON_EMPTY_GROUP

  // The last heartbeat was before closedAt, so by closedAt + session timeout
  // both sessions have ended, whatever the broker's timers are doing.
  const wait = r.closedAt + sessionMs + 250 - Date.now();
  if (wait > 0) await sleep(wait);
  const deleted = await admin.deleteGroups([group]);
  expect(deleted).toEqual([expect.objectContaining({ groupId: group, errorCode: 0 })]);
  const offsets = await admin.fetchOffsets({ groupId: group, topics: [topic] });
  expect(offsets[0].partitions.map((p) => p.offset)).toEqual(['-1', '-1', '-1', '-1']);
});
