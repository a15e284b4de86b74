// A kafkajs consumer-group member in its own process, so a test can crash it
// (SIGKILL: no LeaveGroup, no more heartbeats). Prints one JSON line per event:
//   {"event":"join","memberId":...,"assignment":{topic:[partitions]}}
//   {"event":"message","topic":...,"partition":n,"offset":"n","value":"..."}
// argv: bootstrap groupId topic sessionTimeoutMs
'use strict';
const { Kafka, logLevel } = require('kafkajs');

const [bootstrap, groupId, topic, sessionTimeout] = process.argv.slice(2);
const kafka = new Kafka({ clientId: 'e2e-crash-member', brokers: [bootstrap], logLevel: logLevel.NOTHING });
const consumer = kafka.consumer({
  groupId,
  sessionTimeout: Number(sessionTimeout),
  rebalanceTimeout: Number(sessionTimeout),
  heartbeatInterval: 300,
  maxWaitTimeInMs: 200,
});
const print = (o) => process.stdout.write(JSON.stringify(o) + '\n');

consumer.on(consumer.events.GROUP_JOIN, (e) => print({ event: 'join', memberId: e.payload.memberId, assignment: e.payload.memberAssignment }));
consumer.on(consumer.events.CRASH, (e) => print({ event: 'crash', error: String(e.payload.error) }));

(async () => {
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    // Commit after every message so a crash loses as little as possible; the
    // survivors re-read from the last commit (at-least-once).
    autoCommitThreshold: 1,
    eachMessage: async ({ topic: t, partition, message }) => {
      print({ event: 'message', topic: t, partition, offset: message.offset, value: message.value.toString() });
    },
  });
})().catch((e) => {
  print({ event: 'error', error: String(e && e.stack) });
  process.exit(1);
});
