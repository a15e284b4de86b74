"""Two consumers in one group (same process, polled in turn): waits until the
group's assignment splits every partition between them, produces the records
(so the split consumes them), reads until all arrived, commits and closes.
argv: bootstrap topic group partitions per_partition [timeout_s]
Prints {"assignments": [[p...], [p...]], "records": [{c, partition, offset, value}]}."""
import sys
import time
from confluent_kafka import Consumer, Producer
from common import emit, err_str, text

bootstrap, topic, group, partitions, per = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
timeout = float(sys.argv[6]) if len(sys.argv) > 6 else 30.0
conf = {
    "bootstrap.servers": bootstrap,
    "group.id": group,
    "session.timeout.ms": 6000,
    "heartbeat.interval.ms": 300,
    "auto.offset.reset": "earliest",
    "enable.auto.commit": False,
    "fetch.wait.max.ms": 100,
}
consumers = [Consumer(dict(conf, **{"client.id": "e2e-py-c%d" % i})) for i in range(2)]
for c in consumers:
    c.subscribe([topic])
records, errors = [], []


def poll_all():
    for i, c in enumerate(consumers):
        m = c.poll(0.05)
        if m is None:
            continue
        if m.error():
            errors.append(err_str(m.error()))
            continue
        records.append({"c": i, "partition": m.partition(), "offset": m.offset(), "value": text(m.value())})


def assigned(c):
    return sorted(tp.partition for tp in c.assignment())


deadline = time.time() + timeout
while time.time() < deadline:
    poll_all()
    a = [assigned(c) for c in consumers]
    if all(a) and sorted(a[0] + a[1]) == list(range(partitions)):
        break
else:
    emit({"error": "the group did not settle", "assignments": [assigned(c) for c in consumers], "errors": errors})
    sys.exit(0)
settled = [assigned(c) for c in consumers]

p = Producer({"bootstrap.servers": bootstrap, "acks": "all"})
for part in range(partitions):
    for i in range(per):
        p.produce(topic, value=("p%d-%d" % (part, i)).encode(), partition=part)
p.flush(20)

while len(records) < partitions * per and time.time() < deadline:
    poll_all()
final = [assigned(c) for c in consumers]
for c in consumers:
    try:
        c.commit(asynchronous=False)
    except Exception as e:  # nothing to commit for a member that got nothing
        errors.append(str(e))
for c in consumers:
    c.close()
emit({"assignments": settled, "finalAssignments": final, "records": records, "errors": errors})
