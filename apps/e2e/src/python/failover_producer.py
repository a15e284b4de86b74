"""confluent-kafka (librdkafka) producing across a partition leader failover: idempotent, acks=all,
one record every `interval_ms` to partition 0 of `topic` for `seconds`, then flushes. Prints one
JSON object: the values acknowledged (in delivery order) and the delivery errors.
argv: bootstrap topic seconds interval_ms"""
import sys
import time
from confluent_kafka import Producer
from common import emit, err_str

bootstrap, topic, seconds, interval_ms = sys.argv[1], sys.argv[2], float(sys.argv[3]), int(sys.argv[4])
acked = []
errors = []


def on_delivery(err, msg):
    if err is not None:
        errors.append(err_str(err))
    else:
        acked.append(msg.value().decode())


p = Producer({
    "bootstrap.servers": bootstrap,
    "acks": "all",
    "enable.idempotence": True,
    "message.timeout.ms": 120000,
    "topic.metadata.refresh.interval.ms": 1000,
})
end = time.time() + seconds
i = 0
while time.time() < end:
    p.produce(topic, value=f"py-{i}".encode(), partition=0, on_delivery=on_delivery)
    i += 1
    p.poll(interval_ms / 1000.0)
left = p.flush(120)
emit({"sent": i, "acked": acked, "errors": errors, "unflushed": left})
