"""confluent_kafka.schema_registry.SchemaRegistryClient (python3-confluent-kafka
1.7.0) against the registry: every call of its API; prints one JSON document.

argv: registry_url subject
"""
import json
import sys

from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.error import SchemaRegistryError

from common import emit

url, subject = sys.argv[1], sys.argv[2]
c = SchemaRegistryClient({"url": url})
v1 = json.dumps({"type": "record", "name": "Py", "fields": [{"name": "a", "type": "int"}]})
v2 = json.dumps({"type": "record", "name": "Py", "fields": [{"name": "a", "type": "int"}, {"name": "b", "type": "string", "default": "x"}]})
bad = json.dumps({"type": "record", "name": "Py", "fields": [{"name": "a", "type": "string"}]})
out = {}
out["id1"] = c.register_schema(subject, Schema(v1, "AVRO"))
out["id1_again"] = c.register_schema(subject, Schema(v1, "AVRO"))
out["id2"] = c.register_schema(subject, Schema(v2, "AVRO"))
# a fresh client: the first one answers from its cache with the text it sent
s = SchemaRegistryClient({"url": url}).get_schema(out["id1"])
out["get_schema"] = {"schema_str": s.schema_str, "schema_type": s.schema_type}
lv = c.get_latest_version(subject)
out["latest"] = {"schema_id": lv.schema_id, "subject": lv.subject, "version": lv.version}
gv = c.get_version(subject, 1)
out["version1"] = {"schema_id": gv.schema_id, "version": gv.version}
lk = c.lookup_schema(subject, Schema(v2, "AVRO"))
out["lookup"] = {"schema_id": lk.schema_id, "version": lk.version}
out["subjects"] = c.get_subjects()
out["versions"] = c.get_versions(subject)
out["compat_v2"] = c.test_compatibility(subject, Schema(v2, "AVRO"))
out["compat_bad"] = c.test_compatibility(subject, Schema(bad, "AVRO"))
out["set_compat"] = c.set_compatibility(subject, "FULL")
out["get_compat"] = c.get_compatibility(subject)
try:
    c.register_schema(subject, Schema(bad, "AVRO"))
    out["incompatible"] = "registered?!"
except SchemaRegistryError as e:
    out["incompatible"] = {"http_status_code": e.http_status_code, "error_code": e.error_code}
try:
    c.get_version(subject, 99)
except SchemaRegistryError as e:
    out["missing_version"] = {"http_status_code": e.http_status_code, "error_code": e.error_code, "message": e.error_message}
try:
    c.register_schema(subject, Schema("{not json", "AVRO"))
except SchemaRegistryError as e:
    out["invalid"] = {"http_status_code": e.http_status_code, "error_code": e.error_code}
out["delete_version"] = c.delete_version(subject, 2)
# permanent=True does the soft delete first, then the permanent one (as 1.7.0 implements it)
out["delete_subject_permanent"] = c.delete_subject(subject, permanent=True)
try:
    c.get_versions(subject)
except SchemaRegistryError as e:
    out["after_delete"] = {"http_status_code": e.http_status_code, "error_code": e.error_code}
emit(out)
