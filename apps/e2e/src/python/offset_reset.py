"""Consumes partition 0 of a topic from an offset past its end with
auto.offset.reset and reports where librdkafka resumed (assign, no group).
argv: bootstrap topic start_offset reset(earliest|latest) expected_records [timeout_s]

For "latest" the script keeps producing one record ("after-reset-<n>") every
half second until the consumer has read one: records produced before the
reset are skipped by it, those after are read. Prints
{"records": [{offset, value}], "errors": [...], "resets": [librdkafka's reset log lines]}."""
import logging
import sys
import time
from confluent_kafka import Consumer, Producer, TopicPartition
from common import emit, err_str, text

bootstrap, topic, start, reset, expected = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
timeout = float(sys.argv[6]) if len(sys.argv) > 6 else 30.0

lines = []


class Collect(logging.Handler):
    def emit(self, record):
        lines.append(record.getMessage())


logger = logging.getLogger("e2e-offset-reset")
logger.setLevel(logging.DEBUG)
logger.addHandler(Collect())

c = Consumer({
    "bootstrap.servers": bootstrap,
    "group.id": "e2e-offset-reset-unused",
    "enable.auto.commit": False,
    "auto.offset.reset": reset,
    "fetch.wait.max.ms": 100,
    "fetch.error.backoff.ms": 100,
    "debug": "fetch,topic",
}, logger=logger)
c.assign([TopicPartition(topic, 0, start)])
p = Producer({"bootstrap.servers": bootstrap}) if reset == "latest" else None
records = []
errors = []
sent = 0
last_send = 0.0
deadline = time.time() + timeout
while time.time() < deadline and len(records) < expected:
    m = c.poll(0.1)
    if m is not None:
        if m.error():
            errors.append(err_str(m.error()))
        else:
            records.append({"offset": m.offset(), "value": text(m.value())})
    if p is not None and not records and time.time() - last_send > 0.5:
        p.produce(topic, value=("after-reset-%d" % sent).encode(), partition=0)
        p.flush(10)
        sent += 1
        last_send = time.time()
c.close()
resets = [l for l in lines if "reset" in l.lower() or "MessageSetSize" in l]
emit({"records": records, "errors": errors, "resets": resets[-10:]})
