"""Two static members (KIP-345 group.instance.id) join one group, consume,
commit and close. A static member's close sends no LeaveGroup: the group
keeps them until their session times out.
argv: bootstrap topic group partitions session_timeout_ms [timeout_s]
Prints {"assignments": [[p...], [p...]], "records": n, "closedAt": epoch_ms, "errors": [...]}."""
import sys
import time
from confluent_kafka import Consumer, Producer
from common import emit, err_str

bootstrap, topic, group, partitions, session = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
timeout = float(sys.argv[6]) if len(sys.argv) > 6 else 60.0
conf = {
    "bootstrap.servers": bootstrap,
    "group.id": group,
    "session.timeout.ms": session,
    "heartbeat.interval.ms": 300,
    "auto.offset.reset": "earliest",
    "enable.auto.commit": False,
    "fetch.wait.max.ms": 100,
}
consumers = [Consumer(dict(conf, **{"client.id": "e2e-static-%d" % i, "group.instance.id": "static-%d" % i})) for i in range(2)]
for c in consumers:
    c.subscribe([topic])
errors, count = [], 0
p = Producer({"bootstrap.servers": bootstrap, "acks": "all"})
for part in range(partitions):
    p.produce(topic, value=b"v", partition=part)
p.flush(20)

deadline = time.time() + timeout
settled = None
while time.time() < deadline:
    for c in consumers:
        m = c.poll(0.05)
        if m is None:
            continue
        if m.error():
            errors.append(err_str(m.error()))
        else:
            count += 1
    a = [sorted(tp.partition for tp in c.assignment()) for c in consumers]
    if settled is None and all(a) and sorted(a[0] + a[1]) == list(range(partitions)):
        settled = a
    if settled is not None and count >= partitions:
        break
for c in consumers:
    try:
        c.commit(asynchronous=False)
    except Exception as e:
        errors.append(str(e))
for c in consumers:
    c.close()
emit({"assignments": settled, "records": count, "closedAt": int(time.time() * 1000), "errors": errors})
