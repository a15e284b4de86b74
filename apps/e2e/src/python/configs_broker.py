"""AdminClient (python3-confluent-kafka 1.7.0): the legacy alter_configs of a
broker config nagare does not act on, then describe_configs of the broker.
argv: bootstrap broker_id name value
Prints {"alter": err|null, "count": n, "entries": {name: {value, source (ConfigSource code), isDefault, readOnly, sensitive}}}."""
import sys
from confluent_kafka.admin import AdminClient, ConfigResource
from common import emit

bootstrap, broker, name, value = sys.argv[1:5]
a = AdminClient({"bootstrap.servers": bootstrap})
r = ConfigResource(ConfigResource.Type.BROKER, broker, set_config={name: value})
out = {}
try:
    a.alter_configs([r])[r].result(timeout=20)
    out["alter"] = None
except Exception as e:
    out["alter"] = str(e)
d = ConfigResource(ConfigResource.Type.BROKER, broker)
entries = a.describe_configs([d])[d].result(timeout=20)
out["count"] = len(entries)
out["entries"] = {n: {"value": e.value, "source": int(e.source), "isDefault": e.is_default, "readOnly": e.is_read_only, "sensitive": e.is_sensitive}
                  for n, e in entries.items() if n in (name, "num.network.threads", "log.retention.hours", "ssl.truststore.password")}
emit(out)
