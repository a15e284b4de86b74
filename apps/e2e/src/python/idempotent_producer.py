"""Idempotent producer: enable.idempotence=true, acks=all, several batches in
flight per connection. argv: bootstrap topic partitions count
Prints {"delivered": [{partition, offset, value}], "errors": [...]} in
delivery-report order."""
import sys
from confluent_kafka import Producer
from common import emit, err_str, text

bootstrap, topic, partitions, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
delivered, errors = [], []


def on_delivery(err, msg):
    if err is not None:
        errors.append({"error": err_str(err), "value": text(msg.value())})
    else:
        delivered.append({"partition": msg.partition(), "offset": msg.offset(), "value": text(msg.value())})


p = Producer({
    "bootstrap.servers": bootstrap,
    "enable.idempotence": True,
    "acks": "all",
    "max.in.flight.requests.per.connection": 5,
    "linger.ms": 5,
    "batch.num.messages": 10,
    "message.timeout.ms": 20000,
})
for i in range(count):
    while True:
        try:
            p.produce(topic, value=("v-%d" % i).encode(), key=("k%d" % (i % partitions)).encode(),
                      partition=i % partitions, on_delivery=on_delivery)
            break
        except BufferError:
            p.poll(0.05)
    p.poll(0)
left = p.flush(30)
emit({"delivered": delivered, "errors": errors, "unflushed": left})
