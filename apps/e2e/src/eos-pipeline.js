// An exactly-once consume-transform-produce pipeline with nagare's own
// client, in its own process so a test can SIGKILL it at any moment. It
// reads `input` (all partitions assigned; the group only keeps offsets),
// writes "out-<value>" for every record to `output` with the input's key,
// and commits the consumed offsets in the same transaction
// (sendOffsetsToTransaction). Transactions hold up to `perTxn` records.
// Restarting with the same transactional id fences the previous instance
// and aborts what it left open, so each input reaches `output` exactly once.
// Prints JSON lines: {"event":"ready"}, {"event":"committed","records":n,"total":t},
// {"event":"idle"} after `idleMs` without input, {"event":"error",...}.
// argv: bootstrap input output partitions group transactionalId perTxn idleMs
'use strict';
const { Consumer, Producer } = require('@nagare/client');

const [bootstrap, input, output, partitions, group, transactionalId, perTxn, idleMs] = process.argv.slice(2);
const print = (o) => process.stdout.write(JSON.stringify(o) + '\n');

(async () => {
  const producer = new Producer({ bootstrapServers: bootstrap, transactionalId, transactionTimeoutMs: 10000, lingerMs: 2, clientId: 'eos-pipeline' });
  // First: fence the previous instance and let its open transaction be aborted.
  await producer.initTransactions();
  const consumer = new Consumer({
    bootstrapServers: bootstrap,
    groupId: group,
    isolationLevel: 'read_committed',
    autoOffsetReset: 'earliest',
    enableAutoCommit: false,
    maxPollRecords: Number(perTxn),
    clientId: 'eos-pipeline',
  });
  consumer.assign(Array.from({ length: Number(partitions) }, (_, partition) => ({ topic: input, partition })));
  print({ event: 'ready', producer: producer.producerIdAndEpoch });
  let total = 0;
  let idleSince = Date.now();
  for (;;) {
    const records = await consumer.poll(200);
    if (records.length === 0) {
      if (Date.now() - idleSince > Number(idleMs)) {
        print({ event: 'idle', total });
        break;
      }
      continue;
    }
    idleSince = Date.now();
    producer.beginTransaction();
    const next = new Map();
    const sends = records.map((r) => {
      next.set(`${r.topic}:${r.partition}`, { topic: r.topic, partition: r.partition, offset: r.offset + 1 });
      return producer.send({ topic: output, key: r.key, value: `out-${r.value.toString()}` });
    });
    await Promise.all(sends);
    await producer.sendOffsetsToTransaction([...next.values()], consumer.groupMetadata());
    await producer.commitTransaction();
    total += records.length;
    print({ event: 'committed', records: records.length, total });
  }
  await consumer.close();
  await producer.close();
})().catch((e) => {
  print({ event: 'error', error: String(e && e.stack) });
  process.exit(1);
});
