import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.RecordsToDelete;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Calls, one after the other, the Admin API methods Kafka's command-line tools
 * are built on, against `bootstrap`, on topics and a group named after
 * `prefix`; prints one JSON line per step ({"step": name, ...results} or
 * {"step": name, "error": "Class: message"}) and goes on after a failed step.
 * Usage: AdminCalls bootstrap prefix
 */
public final class AdminCalls {
    private static final long BASE_TS = 1_700_000_000_000L;

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        String prefix = args[1];
        String a = prefix + "-a";
        String b = prefix + "-b";
        String group = prefix + "-group";
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "e2e-admin-calls");
        try (Admin admin = Admin.create(props)) {
            step("describeCluster", () -> {
                DescribeClusterResult r = admin.describeCluster();
                return Json.obj("clusterId", r.clusterId().get(), "controller", node(r.controller().get()),
                        "nodes", r.nodes().get().stream().map(AdminCalls::node).collect(Collectors.toList()));
            });
            step("createTopics", () -> {
                NewTopic ta = new NewTopic(a, 3, (short) 1).configs(Map.of("retention.ms", "3600000"));
                NewTopic tb = new NewTopic(b, 1, (short) 1);
                admin.createTopics(List.of(ta, tb)).all().get();
                return Json.obj("created", List.of(a, b));
            });
            step("createTopics existing", () -> {
                try {
                    admin.createTopics(List.of(new NewTopic(a, 3, (short) 1))).all().get();
                    return Json.obj("created", List.of(a));
                } catch (Exception e) {
                    return Json.obj("expectedError", Json.error(e));
                }
            });
            step("listTopics", () -> Json.obj("names", sorted(admin.listTopics().names().get().stream().filter(n -> n.startsWith(prefix)).collect(Collectors.toList()))));
            step("describeTopics", () -> {
                Map<String, TopicDescription> d = admin.describeTopics(List.of(a, b)).allTopicNames().get();
                Map<String, Object> out = new TreeMap<>();
                for (TopicDescription t : d.values()) out.put(t.name(), topic(t));
                return Json.obj("topics", out);
            });
            ConfigResource ra = new ConfigResource(ConfigResource.Type.TOPIC, a);
            ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, "1");
            step("describeConfigs", () -> {
                Map<ConfigResource, Config> c = admin.describeConfigs(List.of(ra, broker)).all().get();
                return Json.obj("topic", entries(c.get(ra), "retention.ms", "cleanup.policy", "max.message.bytes"),
                        "topicEntries", c.get(ra).entries().size(),
                        "broker", entries(c.get(broker), "num.partitions", "log.retention.hours", "offsets.topic.num.partitions"),
                        "brokerEntries", c.get(broker).entries().size());
            });
            step("incrementalAlterConfigs", () -> {
                admin.incrementalAlterConfigs(Map.of(ra, List.of(
                        new AlterConfigOp(new ConfigEntry("retention.ms", "7200000"), AlterConfigOp.OpType.SET),
                        new AlterConfigOp(new ConfigEntry("max.message.bytes", "2000000"), AlterConfigOp.OpType.SET)))).all().get();
                Map<String, Object> afterSet = entries(admin.describeConfigs(List.of(ra)).all().get().get(ra), "retention.ms", "max.message.bytes");
                admin.incrementalAlterConfigs(Map.of(ra, List.of(
                        new AlterConfigOp(new ConfigEntry("max.message.bytes", ""), AlterConfigOp.OpType.DELETE)))).all().get();
                Map<String, Object> afterDelete = entries(admin.describeConfigs(List.of(ra)).all().get().get(ra), "retention.ms", "max.message.bytes");
                return Json.obj("afterSet", afterSet, "afterDelete", afterDelete);
            });
            step("produce", () -> {
                Properties pp = new Properties();
                pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
                pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
                pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
                Map<String, Object> offsets = new TreeMap<>();
                try (KafkaProducer<String, String> p = new KafkaProducer<>(pp)) {
                    List<java.util.concurrent.Future<RecordMetadata>> fs = new ArrayList<>();
                    for (int part = 0; part < 3; part++)
                        for (int i = 0; i < 10; i++)
                            fs.add(p.send(new ProducerRecord<>(a, part, BASE_TS + i * 1000L, "k" + i, "p" + part + "-v" + i)));
                    for (java.util.concurrent.Future<RecordMetadata> f : fs) {
                        RecordMetadata m = f.get();
                        offsets.merge(String.valueOf(m.partition()), List.of(m.offset()), (x, y) -> {
                            List<Object> l = new ArrayList<>((List<?>) x);
                            l.addAll((List<?>) y);
                            return l;
                        });
                    }
                }
                return Json.obj("offsets", offsets);
            });
            step("listOffsets", () -> Json.obj(
                    "earliest", listOffsets(admin, a, OffsetSpec.earliest()),
                    "latest", listOffsets(admin, a, OffsetSpec.latest()),
                    "maxTimestamp", listOffsets(admin, a, OffsetSpec.maxTimestamp()),
                    "forTimestamp", listOffsets(admin, a, OffsetSpec.forTimestamp(BASE_TS + 4500L)),
                    "afterLast", listOffsets(admin, a, OffsetSpec.forTimestamp(BASE_TS + 60_000L))));
            step("deleteRecords", () -> {
                TopicPartition tp = new TopicPartition(a, 0);
                long low = admin.deleteRecords(Map.of(tp, RecordsToDelete.beforeOffset(4))).lowWatermarks().get(tp).get().lowWatermark();
                return Json.obj("lowWatermark", low, "earliestAfter", listOffsets(admin, a, OffsetSpec.earliest()));
            });
            step("alterConsumerGroupOffsets", () -> {
                admin.alterConsumerGroupOffsets(group, Map.of(
                        new TopicPartition(a, 0), new OffsetAndMetadata(7, "from AdminCalls"),
                        new TopicPartition(a, 1), new OffsetAndMetadata(3))).all().get();
                return Json.obj("group", group);
            });
            step("listConsumerGroups", () -> {
                Map<String, Object> out = new TreeMap<>();
                for (ConsumerGroupListing l : admin.listConsumerGroups().all().get())
                    if (l.groupId().startsWith(prefix))
                        out.put(l.groupId(), Json.obj("simple", l.isSimpleConsumerGroup(), "state", l.state().map(Object::toString).orElse(null),
                                "type", l.type().map(Object::toString).orElse(null)));
                return Json.obj("groups", out);
            });
            step("describeConsumerGroups", () -> {
                ConsumerGroupDescription d = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
                return Json.obj("groupId", d.groupId(), "state", d.state().toString(), "members", d.members().size(),
                        "partitionAssignor", d.partitionAssignor(), "coordinator", node(d.coordinator()));
            });
            step("listConsumerGroupOffsets", () -> {
                Map<String, Object> out = new TreeMap<>();
                admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get().forEach((tp, om) ->
                        out.put(tp.toString(), Json.obj("offset", om.offset(), "metadata", om.metadata())));
                return Json.obj("offsets", out);
            });
            step("deleteConsumerGroups", () -> {
                admin.deleteConsumerGroups(List.of(group)).all().get();
                List<String> left = admin.listConsumerGroups().all().get().stream().map(ConsumerGroupListing::groupId).filter(g -> g.equals(group)).collect(Collectors.toList());
                return Json.obj("listedAfter", left);
            });
            step("createPartitions", () -> {
                admin.createPartitions(Map.of(b, NewPartitions.increaseTo(3))).all().get();
                TopicDescription d = admin.describeTopics(List.of(b)).allTopicNames().get().get(b);
                return Json.obj("partitions", d.partitions().size());
            });
            step("deleteTopics", () -> {
                admin.deleteTopics(List.of(a, b)).all().get();
                return Json.obj("listedAfter", sorted(admin.listTopics().names().get().stream().filter(n -> n.startsWith(prefix)).collect(Collectors.toList())));
            });
        }
    }

    private static void step(String name, Callable<Map<String, Object>> body) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("step", name);
        try {
            out.putAll(body.call());
        } catch (Throwable t) {
            out.put("error", Json.error(t));
        }
        Json.emit(out);
    }

    private static Map<String, Object> listOffsets(Admin admin, String topic, OffsetSpec spec) throws Exception {
        Map<TopicPartition, OffsetSpec> req = new LinkedHashMap<>();
        for (int p = 0; p < 3; p++) req.put(new TopicPartition(topic, p), spec);
        Map<String, Object> out = new TreeMap<>();
        for (Map.Entry<TopicPartition, ListOffsetsResultInfo> e : admin.listOffsets(req).all().get().entrySet())
            out.put(String.valueOf(e.getKey().partition()), Json.obj("offset", e.getValue().offset(), "timestamp", e.getValue().timestamp()));
        return out;
    }

    private static Map<String, Object> topic(TopicDescription t) {
        List<Object> parts = new ArrayList<>();
        for (TopicPartitionInfo p : t.partitions())
            parts.add(Json.obj("partition", p.partition(), "leader", p.leader() == null ? null : p.leader().id(),
                    "replicas", p.replicas().stream().map(Node::id).collect(Collectors.toList()),
                    "isr", p.isr().stream().map(Node::id).collect(Collectors.toList())));
        return Json.obj("topicId", t.topicId().toString(), "internal", t.isInternal(), "partitions", parts);
    }

    private static Map<String, Object> entries(Config c, String... names) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String n : names) {
            ConfigEntry e = c.get(n);
            out.put(n, e == null ? null : Json.obj("value", e.value(), "source", e.source().toString()));
        }
        return out;
    }

    private static Map<String, Object> node(Node n) {
        return n == null ? null : Json.obj("id", n.id(), "host", n.host(), "port", n.port());
    }

    private static List<String> sorted(Collection<String> c) {
        return c.stream().sorted().collect(Collectors.toList());
    }
}
