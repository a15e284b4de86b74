"""AdminClient: create_topics, describe_configs, alter_configs (legacy: 1.7.0
has no incremental_alter_configs), describe_configs again.
argv: bootstrap topic partitions
Prints {"create": err|null, "before": {name: {value, source, isDefault}}, "alter": err|null, "after": {...}}."""
import sys
from confluent_kafka.admin import AdminClient, NewTopic, ConfigResource
from common import emit

bootstrap, topic, partitions = sys.argv[1], sys.argv[2], int(sys.argv[3])
a = AdminClient({"bootstrap.servers": bootstrap})
out = {}


def wait(futures):
    res = {}
    for k, f in futures.items():
        try:
            res[str(k)] = {"ok": f.result(timeout=20)}
        except Exception as e:
            res[str(k)] = {"error": str(e)}
    return res


def describe():
    r = ConfigResource(ConfigResource.Type.TOPIC, topic)
    f = a.describe_configs([r])[r]
    entries = f.result(timeout=20)
    return {name: {"value": e.value, "source": int(e.source), "sourceName": str(e.source), "isDefault": e.is_default, "readOnly": e.is_read_only}
            for name, e in entries.items()}


fs = a.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1, config={"retention.ms": "3600000"})], operation_timeout=10)
out["create"] = {k: ("ok" if v.get("error") is None else v["error"]) for k, v in wait(fs).items()}
fs = a.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)], operation_timeout=10)
out["createAgain"] = {k: ("ok" if v.get("error") is None else v["error"]) for k, v in wait(fs).items()}
md = a.list_topics(topic=topic, timeout=10)
t = md.topics[topic]
out["metadata"] = {"error": None if t.error is None else str(t.error), "partitions": sorted(t.partitions.keys()),
                   "leaders": sorted(set(p.leader for p in t.partitions.values())), "brokers": sorted(md.brokers.keys())}
out["before"] = describe()
# Legacy AlterConfigs replaces the topic's whole set of dynamic configs: name all of them.
r = ConfigResource(ConfigResource.Type.TOPIC, topic, set_config={"retention.ms": "7200000", "cleanup.policy": "compact"})
out["alter"] = {k: ("ok" if v.get("error") is None else v["error"]) for k, v in wait(a.alter_configs([r])).items()}
out["after"] = describe()
# Legacy AlterConfigs again without cleanup.policy: it reverts to the default.
r = ConfigResource(ConfigResource.Type.TOPIC, topic, set_config={"retention.ms": "7200000"})
out["alter2"] = {k: ("ok" if v.get("error") is None else v["error"]) for k, v in wait(a.alter_configs([r])).items()}
out["after2"] = describe()
emit(out)
