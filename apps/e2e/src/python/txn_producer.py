"""A transactional producer (librdkafka): three transactions on `topic`,
the second aborted. argv: bootstrap topic transactional_id partitions.
Prints {"steps": [...], "errors": [...]}."""
import sys
from confluent_kafka import Producer, KafkaException
from common import emit, err_str

bootstrap, topic, txn_id, partitions = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
errors = []
steps = []


def on_delivery(err, msg):
    if err is not None:
        errors.append(err_str(err))


p = Producer({"bootstrap.servers": bootstrap, "transactional.id": txn_id, "linger.ms": 5, "transaction.timeout.ms": 30000})
try:
    p.init_transactions(30)
    steps.append("init")
    for n, (label, commit) in enumerate([("committed-a", True), ("aborted", False), ("committed-b", True)]):
        p.begin_transaction()
        for i in range(partitions * 2):
            p.produce(topic, value=("%s-%d" % (label, i)).encode(), partition=i % partitions, on_delivery=on_delivery)
        p.flush(30)
        if commit:
            p.commit_transaction(30)
            steps.append("commit")
        else:
            p.abort_transaction(30)
            steps.append("abort")
except KafkaException as e:
    errors.append(err_str(e.args[0]))
emit({"steps": steps, "errors": errors})
