"""Consume-transform-produce with librdkafka transactions: reads `in_topic`
in group `group`, writes each value upper-cased to `out_topic`, and commits
the consumed offsets with send_offsets_to_transaction in the same
transaction. The transaction holding the first `abort_first` records is
aborted (and the consumer rewound to the committed offsets), then the run
continues until `count` inputs were committed.
argv: bootstrap in_topic out_topic group transactional_id count abort_first.
Prints {"committed": n, "aborted": n, "errors": [...]}."""
import sys
import time
from confluent_kafka import Consumer, Producer, KafkaException, TopicPartition
from common import emit, err_str

bootstrap, in_topic, out_topic, group, txn_id, count, abort_first = sys.argv[1:8]
count, abort_first = int(count), int(abort_first)
errors = []
c = Consumer({
    "bootstrap.servers": bootstrap,
    "group.id": group,
    "enable.auto.commit": False,
    "auto.offset.reset": "earliest",
    "isolation.level": "read_committed",
    "session.timeout.ms": 6000,
})
p = Producer({"bootstrap.servers": bootstrap, "transactional.id": txn_id, "linger.ms": 5})
committed = 0
aborted = 0
try:
    p.init_transactions(30)
    c.subscribe([in_topic])
    deadline = time.time() + 45
    while committed < count and time.time() < deadline:
        msgs = c.consume(num_messages=abort_first if aborted == 0 and abort_first > 0 else 50, timeout=1.0)
        msgs = [m for m in msgs if not m.error()]
        if not msgs:
            continue
        p.begin_transaction()
        for m in msgs:
            p.produce(out_topic, value=m.value().upper(), key=m.key(), partition=m.partition())
        # Delivered before the transaction ends, so an aborted round's records are in the log (for read_uncommitted).
        p.flush(30)
        p.send_offsets_to_transaction(c.position(c.assignment()), c.consumer_group_metadata(), 30)
        if aborted == 0 and abort_first > 0:
            p.abort_transaction(30)
            aborted += len(msgs)
            # Rewind to what the group committed: the aborted inputs are processed again.
            committed_offsets = c.committed(c.assignment(), timeout=10)
            for tp in committed_offsets:
                tp.offset = tp.offset if tp.offset >= 0 else 0
                c.seek(tp)
            continue
        p.commit_transaction(30)
        committed += len(msgs)
except KafkaException as e:
    errors.append(err_str(e.args[0]))
c.close()
emit({"committed": committed, "aborted": aborted, "errors": errors})
