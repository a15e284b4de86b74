"""Zombie fencing with librdkafka: two producers with the same
transactional id. The first opens a transaction and writes; the second
initializes (fencing the first), writes and commits; the first then writes
again and tries to commit. argv: bootstrap topic transactional_id.
Prints {"zombie_errors": [...], "fatal": bool, "fresh_errors": [...]}."""
import sys
from confluent_kafka import Producer, KafkaException
from common import emit, err_str

bootstrap, topic, txn_id = sys.argv[1], sys.argv[2], sys.argv[3]
zombie_errors = []
fresh_errors = []
fatal = False


def collect(into):
    def on_delivery(err, msg):
        if err is not None:
            into.append(err_str(err))
    return on_delivery


zombie = Producer({"bootstrap.servers": bootstrap, "transactional.id": txn_id, "linger.ms": 5})
zombie.init_transactions(30)
zombie.begin_transaction()
zombie.produce(topic, value=b"zombie-before", partition=0, on_delivery=collect(zombie_errors))
zombie.flush(30)

fresh = Producer({"bootstrap.servers": bootstrap, "transactional.id": txn_id, "linger.ms": 5})
try:
    fresh.init_transactions(30)
    fresh.begin_transaction()
    fresh.produce(topic, value=b"fresh", partition=0, on_delivery=collect(fresh_errors))
    fresh.commit_transaction(30)
except KafkaException as e:
    fresh_errors.append(err_str(e.args[0]))

try:
    zombie.produce(topic, value=b"zombie-after", partition=0, on_delivery=collect(zombie_errors))
    zombie.flush(10)
    zombie.commit_transaction(10)
except KafkaException as e:
    zombie_errors.append(err_str(e.args[0]))
    fatal = e.args[0].fatal()
emit({"zombie_errors": zombie_errors, "fatal": fatal, "fresh_errors": fresh_errors})
