"""Reads every partition of `topic` from the beginning to its end offset
under an isolation level (assign, no group): for read_committed the end is
the last stable offset. argv: bootstrap topic partitions isolation.level.
Prints {"values": {partition: [...]}, "ends": {partition: offset}, "errors": [...]}."""
import sys
import time
from confluent_kafka import Consumer, TopicPartition, OFFSET_BEGINNING, KafkaException
from common import emit, err_str, text

bootstrap, topic, partitions, isolation = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
c = Consumer({
    "bootstrap.servers": bootstrap,
    "group.id": "read-isolated",
    "enable.auto.commit": False,
    "isolation.level": isolation,
    "enable.partition.eof": True,
})
errors = []
ends = {}
for p in range(partitions):
    try:
        lo, hi = c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
        ends[str(p)] = hi
    except KafkaException as e:
        errors.append(err_str(e.args[0]))
c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(partitions)])
values = {str(p): [] for p in range(partitions)}
eof = set()
deadline = time.time() + 20
while len(eof) < partitions and time.time() < deadline:
    m = c.poll(0.5)
    if m is None:
        continue
    if m.error():
        if m.error().code() == -191:  # _PARTITION_EOF
            eof.add(m.partition())
        else:
            errors.append(err_str(m.error()))
        continue
    values[str(m.partition())].append(text(m.value()))
c.close()
emit({"values": values, "ends": ends, "errors": errors, "complete": len(eof) == partitions})
