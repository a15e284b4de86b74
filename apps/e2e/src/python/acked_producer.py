"""Produces a numbered stream (values "s-<seq>", partition seq % partitions)
with acks=all until killed or max_count is reached, printing one JSON line
per delivery report as it arrives:
  {"p": partition, "o": offset, "v": value}  acknowledged by the broker
  {"err": "...", "v": value}                 failed
and {"done": true} at the end. No retries: a request that fails is reported
as failed, never resent (so an acknowledged record was written exactly once
by the broker that acknowledged it).
argv: bootstrap topic partitions first_seq max_count [rate_per_s]"""
import sys
import time
from confluent_kafka import Producer
from common import emit, err_str, text

bootstrap, topic, partitions = sys.argv[1], sys.argv[2], int(sys.argv[3])
first, count = int(sys.argv[4]), int(sys.argv[5])
rate = float(sys.argv[6]) if len(sys.argv) > 6 else 2000.0


def on_delivery(err, msg):
    if err is not None:
        emit({"err": err_str(err), "v": text(msg.value())})
    else:
        emit({"p": msg.partition(), "o": msg.offset(), "v": text(msg.value())})


p = Producer({
    "bootstrap.servers": bootstrap,
    "acks": "all",
    "enable.idempotence": False,
    "retries": 0,
    "linger.ms": 2,
    # Batches stay well under the topic's segment.bytes (8 KiB in restart.spec):
    # a larger batch is refused with RECORD_LIST_TOO_LARGE, as Kafka does.
    "batch.size": 2048,
    "max.in.flight.requests.per.connection": 5,
    "message.timeout.ms": 10000,
    "socket.timeout.ms": 10000,
    "reconnect.backoff.ms": 1000,
})
start = time.time()
for i in range(count):
    seq = first + i
    while True:
        try:
            p.produce(topic, value=("s-%d" % seq).encode(), key=("k-%d" % seq).encode(), partition=seq % partitions,
                      on_delivery=on_delivery)
            break
        except BufferError:
            p.poll(0.01)
    p.poll(0)
    ahead = (i + 1) / rate - (time.time() - start)
    if ahead > 0:
        p.poll(ahead)
p.flush(15)
emit({"done": True})
