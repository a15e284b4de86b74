"""Reads every partition of a topic from the beginning to its high watermark
(assign, no group). argv: bootstrap topic partitions [timeout_s]
Prints {"partitions": {p: [{offset, key, value}]}, "highWatermarks": {p: hw}}."""
import sys
import time
from confluent_kafka import Consumer, TopicPartition, OFFSET_BEGINNING
from common import emit, err_str, text

bootstrap, topic, partitions = sys.argv[1], sys.argv[2], int(sys.argv[3])
timeout = float(sys.argv[4]) if len(sys.argv) > 4 else 20.0
c = Consumer({
    "bootstrap.servers": bootstrap,
    "group.id": "e2e-read-all-unused",
    "enable.auto.commit": False,
    "enable.partition.eof": True,
    "fetch.wait.max.ms": 100,
})
hw = {}
for p in range(partitions):
    hw[p] = c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1]
c.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in range(partitions)])
out = {p: [] for p in range(partitions)}
done = set(p for p in range(partitions) if hw[p] == 0)
errors = []
deadline = time.time() + timeout
while len(done) < partitions and time.time() < deadline:
    m = c.poll(0.2)
    if m is None:
        continue
    if m.error():
        if m.error().code() == -191:  # _PARTITION_EOF
            if m.offset() >= hw[m.partition()]:
                done.add(m.partition())
            continue
        errors.append(err_str(m.error()))
        continue
    out[m.partition()].append({"offset": m.offset(), "key": text(m.key()), "value": text(m.value())})
    if m.offset() + 1 >= hw[m.partition()]:
        done.add(m.partition())
c.close()
emit({"partitions": out, "highWatermarks": hw, "errors": errors, "complete": len(done) == partitions})
