"""Produces N records in one batch to partition 0 of a topic, those whose
index is listed without a key, and reports every delivery.
argv: bootstrap topic n keyless_indexes(comma-separated)
Prints {"reports": [{"i", "error": null | {"code", "name", "str"}, "offset"}], "unflushed": n}."""
import logging
import sys
from confluent_kafka import Producer
from common import emit

bootstrap, topic, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
keyless = set(int(x) for x in sys.argv[4].split(",") if x)
debug = sys.argv[5] if len(sys.argv) > 5 else ""
lines = []


class Collect(logging.Handler):
    def emit(self, record):
        lines.append(record.getMessage())


logger = logging.getLogger("e2e-keyless")
logger.setLevel(logging.DEBUG)
logger.addHandler(Collect())
conf = {
    "bootstrap.servers": bootstrap,
    "acks": "all",
    # One batch: every record waits for the others. flush() sends at once (it overrides linger),
    # so a long linger only keeps a slow (loaded) machine from sending the first records early.
    "linger.ms": 20000,
    "batch.num.messages": 10000,
    "message.send.max.retries": 0,
}
if debug:
    conf["debug"] = debug
p = Producer(conf, logger=logger)
reports = []


def on_delivery(i):
    def cb(err, msg):
        reports.append({
            "i": i,
            "error": None if err is None else {"code": err.code(), "name": err.name(), "str": err.str()},
            "offset": msg.offset(),
        })
    return cb


for i in range(n):
    key = None if i in keyless else ("k%d" % i).encode()
    p.produce(topic, key=key, value=("v%d" % i).encode(), partition=0, on_delivery=on_delivery(i))
unflushed = p.flush(30)
reports.sort(key=lambda r: r["i"])
emit({"reports": reports, "unflushed": unflushed, "logs": lines})
