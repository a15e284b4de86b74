"""confluent_kafka's schema registry serializers (python3-confluent-kafka 1.7.0):
JSON Schema and Protobuf with the new API, Avro with the legacy
confluent_kafka.avro API (python3-avro; the new AvroSerializer needs fastavro,
which Debian does not package: reported as skipped). Serializes fixed values
and prints their bytes as hex; deserializes hex given on argv.

argv: registry_url topic
      [decode-json HEX] [decode-proto-order HEX] [decode-proto-refund HEX] [decode-avro HEX]
Prints one JSON document.
"""
import binascii
import json
import sys

from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.json_schema import JSONDeserializer, JSONSerializer
from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer, ProtobufSerializer
from confluent_kafka.serialization import MessageField, SerializationContext
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.json_format import MessageToDict

from common import emit

url, topic = sys.argv[1], sys.argv[2]
args = sys.argv[3:]
client = SchemaRegistryClient({"url": url})
ctx = SerializationContext(topic, MessageField.VALUE)
out = {"serialized": {}, "deserialized": {}, "skipped": []}

# ---------------------------------------------------------------- JSON Schema
JSON_SCHEMA = json.dumps({
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "Point", "type": "object",
    "properties": {"x": {"type": "integer"}, "y": {"type": "integer"}, "label": {"type": "string"}},
    "required": ["x", "y"],
})
json_ser = JSONSerializer(JSON_SCHEMA, client, to_dict=lambda o, c: o)
out["serialized"]["json"] = binascii.hexlify(json_ser({"x": 3, "y": 4, "label": "py"}, SerializationContext(topic + "-json", MessageField.VALUE))).decode()

# ---------------------------------------------------------------- Protobuf
fdp = descriptor_pb2.FileDescriptorProto(name="shop/order.proto", package="shop", syntax="proto3")
order = fdp.message_type.add(name="Order")
order.field.add(name="id", number=1, type=descriptor_pb2.FieldDescriptorProto.TYPE_STRING, label=descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL)
order.field.add(name="cents", number=2, type=descriptor_pb2.FieldDescriptorProto.TYPE_INT64, label=descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL)
order.field.add(name="tags", number=3, type=descriptor_pb2.FieldDescriptorProto.TYPE_STRING, label=descriptor_pb2.FieldDescriptorProto.LABEL_REPEATED)
refund = fdp.message_type.add(name="Refund")
refund.field.add(name="order_id", number=1, type=descriptor_pb2.FieldDescriptorProto.TYPE_STRING, label=descriptor_pb2.FieldDescriptorProto.LABEL_OPTIONAL)
pool = descriptor_pool.DescriptorPool()
pool.Add(fdp)
factory = message_factory.MessageFactory(pool)
Order = factory.GetPrototype(pool.FindMessageTypeByName("shop.Order"))
Refund = factory.GetPrototype(pool.FindMessageTypeByName("shop.Refund"))
pctx = SerializationContext(topic + "-proto", MessageField.VALUE)
out["serialized"]["proto_order"] = binascii.hexlify(ProtobufSerializer(Order, client)(Order(id="o-1", cents=1999, tags=["a", "b"]), pctx)).decode()
out["serialized"]["proto_refund"] = binascii.hexlify(ProtobufSerializer(Refund, client, {"subject.name.strategy": lambda c, n: topic + "-refund-value"})(Refund(order_id="o-1"), pctx)).decode()

# ---------------------------------------------------------------- Avro
try:
    import fastavro  # noqa: F401
    from confluent_kafka.schema_registry.avro import AvroSerializer
    out["serialized"]["avro_new_api"] = "available"
except ImportError:
    out["skipped"].append("confluent_kafka.schema_registry.avro (AvroSerializer/AvroDeserializer): fastavro is not installed and Debian does not package it; Avro is covered by the legacy confluent_kafka.avro API and by @kafkajs/confluent-schema-registry")
from confluent_kafka.avro import loads as avro_loads
from confluent_kafka.avro.cached_schema_registry_client import CachedSchemaRegistryClient
from confluent_kafka.avro.serializer.message_serializer import MessageSerializer
AVRO_SCHEMA = avro_loads(json.dumps({"type": "record", "name": "PyUser", "namespace": "py", "fields": [
    {"name": "name", "type": "string"}, {"name": "age", "type": "int"}, {"name": "email", "type": ["null", "string"], "default": None}]}))
legacy = MessageSerializer(CachedSchemaRegistryClient(url))
out["serialized"]["avro"] = binascii.hexlify(legacy.encode_record_with_schema(topic + "-avro", AVRO_SCHEMA, {"name": "ann", "age": 42, "email": None})).decode()

# ---------------------------------------------------------------- decoding what nagare wrote
i = 0
while i < len(args):
    what, data = args[i], binascii.unhexlify(args[i + 1])
    i += 2
    if what == "decode-json":
        out["deserialized"]["json"] = JSONDeserializer(JSON_SCHEMA, from_dict=lambda d, c: d)(data, ctx)
    elif what == "decode-proto-order":
        out["deserialized"]["proto_order"] = MessageToDict(ProtobufDeserializer(Order)(data, ctx), preserving_proto_field_name=True)
    elif what == "decode-proto-refund":
        out["deserialized"]["proto_refund"] = MessageToDict(ProtobufDeserializer(Refund)(data, ctx), preserving_proto_field_name=True)
    elif what == "decode-avro":
        out["deserialized"]["avro"] = legacy.decode_message(data)
emit(out)
