"""confluent-kafka against a cluster: the brokers and controller id its Metadata shows, then
produce `count` records to `topic` (acks=all) and read them back. Prints one JSON object.
argv: bootstrap topic count"""
import sys
import time
from confluent_kafka import Consumer, Producer
from confluent_kafka.admin import AdminClient
from common import emit, err_str, text

bootstrap, topic, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
admin = AdminClient({"bootstrap.servers": bootstrap})
md = admin.list_topics(timeout=20)
errors = []


def on_delivery(err, msg):
    if err is not None:
        errors.append(err_str(err))


p = Producer({"bootstrap.servers": bootstrap, "acks": "all", "message.timeout.ms": 30000})
for i in range(count):
    p.produce(topic, value=f"c-{i}".encode(), on_delivery=on_delivery)
p.flush(30)
c = Consumer({"bootstrap.servers": bootstrap, "group.id": f"cluster-{topic}", "auto.offset.reset": "earliest", "enable.auto.commit": False})
c.subscribe([topic])
got = []
deadline = time.time() + 60
while len(got) < count and time.time() < deadline:
    m = c.poll(1.0)
    if m is None or m.error():
        continue
    got.append(text(m.value()))
c.close()
emit({"brokers": sorted(md.brokers.keys()), "controller": md.controller_id, "errors": errors, "consumed": got})
