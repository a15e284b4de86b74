// Golden bytes of Kafka Connect's group protocol and internal-topic records, produced with
// Apache Kafka's own serialization: the protocol Schema/Struct types of kafka-clients (the
// classes ConnectProtocol and IncrementalCooperativeConnectProtocol are built on, with the same
// field definitions), and Jackson's ObjectMapper/ObjectNode (what JsonConverter writes with
// schemas.enable=false). Regenerate with:
//   javac -cp /work/shared/java-client/kafka-clients-4.0.0-SNAPSHOT.jar:/usr/share/java/jackson-databind.jar:/usr/share/java/jackson-core.jar:/usr/share/java/jackson-annotations.jar:/usr/share/java/slf4j-api.jar -d /tmp/cg ConnectGolden.java
//   java -cp /tmp/cg:<same jars> ConnectGolden > connect-golden.json
import org.apache.kafka.common.protocol.types.ArrayOf;
import org.apache.kafka.common.protocol.types.Field;
import org.apache.kafka.common.protocol.types.Schema;
import org.apache.kafka.common.protocol.types.Struct;
import org.apache.kafka.common.protocol.types.Type;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

public class ConnectGolden {
    // ConnectProtocol
    static final Schema HEADER = new Schema(new Field("version", Type.INT16));
    static final Schema CONFIG_STATE_V0 = new Schema(new Field("url", Type.STRING), new Field("config-offset", Type.INT64));
    static final Schema CONNECTOR_ASSIGNMENT_V0 = new Schema(new Field("connector", Type.STRING), new Field("tasks", new ArrayOf(Type.INT32)));
    static final Schema ASSIGNMENT_V0 = new Schema(
        new Field("error", Type.INT16), new Field("leader", Type.STRING), new Field("leader-url", Type.STRING),
        new Field("config-offset", Type.INT64), new Field("assignment", new ArrayOf(CONNECTOR_ASSIGNMENT_V0)));
    // IncrementalCooperativeConnectProtocol
    static final Schema ALLOCATION_V1 = new Schema(true, new Field("allocation", Type.NULLABLE_BYTES, null, true, null));
    static final Schema ASSIGNMENT_V1 = new Schema(true,
        new Field("error", Type.INT16), new Field("leader", Type.STRING), new Field("leader-url", Type.STRING),
        new Field("config-offset", Type.INT64),
        new Field("assignment", ArrayOf.nullable(CONNECTOR_ASSIGNMENT_V0), null, true, null),
        new Field("revoked", ArrayOf.nullable(CONNECTOR_ASSIGNMENT_V0), null, true, null),
        new Field("delay", Type.INT32, null, 0));

    static String hex(ByteBuffer b) {
        StringBuilder sb = new StringBuilder();
        while (b.hasRemaining()) sb.append(String.format("%02x", b.get() & 0xff));
        return sb.toString();
    }

    static ByteBuffer write(short version, Schema schema, Struct s) {
        Struct header = new Struct(HEADER).set("version", version);
        ByteBuffer buf = ByteBuffer.allocate(HEADER.sizeOf(header) + schema.sizeOf(s));
        HEADER.write(buf, header);
        schema.write(buf, s);
        buf.flip();
        return buf;
    }

    static Object[] entries(Map<String, List<Integer>> m) {
        List<Struct> out = new ArrayList<>();
        for (Map.Entry<String, List<Integer>> e : m.entrySet())
            out.add(new Struct(CONNECTOR_ASSIGNMENT_V0).set("connector", e.getKey()).set("tasks", e.getValue().toArray()));
        return out.toArray();
    }

    static Struct assignmentV1(Map<String, List<Integer>> assigned, Map<String, List<Integer>> revoked, int delay) {
        return new Struct(ASSIGNMENT_V1).set("error", (short) 0).set("leader", "member-1").set("leader-url", "http://w1:8083/")
            .set("config-offset", 42L).set("assignment", entries(assigned)).set("revoked", entries(revoked)).set("delay", delay);
    }

    public static void main(String[] args) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        JsonNodeFactory f = JsonNodeFactory.instance;
        Map<String, String> out = new LinkedHashMap<>();

        // metadata v0: url + config offset
        out.put("metadataV0", hex(write((short) 0, CONFIG_STATE_V0, new Struct(CONFIG_STATE_V0).set("url", "http://w1:8083/").set("config-offset", 42L))));

        Map<String, List<Integer>> assigned = new LinkedHashMap<>();
        assigned.put("conn-a", List.of(-1, 0, 2));
        assigned.put("conn-b", List.of(1));
        Map<String, List<Integer>> revoked = new LinkedHashMap<>();
        revoked.put("conn-c", List.of(-1, 3));

        // assignment v0
        Struct a0 = new Struct(ASSIGNMENT_V0).set("error", (short) 0).set("leader", "member-1").set("leader-url", "http://w1:8083/")
            .set("config-offset", 42L).set("assignment", entries(assigned));
        out.put("assignmentV0", hex(write((short) 0, ASSIGNMENT_V0, a0)));
        // CONFIG_MISMATCH, nothing assigned
        Struct mismatch = new Struct(ASSIGNMENT_V0).set("error", (short) 1).set("leader", "member-1").set("leader-url", "http://w1:8083/")
            .set("config-offset", 43L).set("assignment", new Object[0]);
        out.put("assignmentV0ConfigMismatch", hex(write((short) 0, ASSIGNMENT_V0, mismatch)));

        // assignment v1 / v2 with revocations and a scheduled delay
        out.put("assignmentV1", hex(write((short) 1, ASSIGNMENT_V1, assignmentV1(assigned, revoked, 3000))));
        out.put("assignmentV2", hex(write((short) 2, ASSIGNMENT_V1, assignmentV1(assigned, new LinkedHashMap<>(), 0))));

        // metadata v1 / v2 carrying the current allocation (a serialized assignment)
        ByteBuffer alloc = write((short) 2, ASSIGNMENT_V1, assignmentV1(assigned, new LinkedHashMap<>(), 0));
        byte[] allocBytes = new byte[alloc.remaining()];
        alloc.get(allocBytes);
        Struct cs = new Struct(CONFIG_STATE_V0).set("url", "http://w2:8083/").set("config-offset", 7L);
        Struct al = new Struct(ALLOCATION_V1).set("allocation", ByteBuffer.wrap(allocBytes));
        Struct header2 = new Struct(HEADER).set("version", (short) 2);
        ByteBuffer md2 = ByteBuffer.allocate(HEADER.sizeOf(header2) + CONFIG_STATE_V0.sizeOf(cs) + ALLOCATION_V1.sizeOf(al));
        HEADER.write(md2, header2);
        CONFIG_STATE_V0.write(md2, cs);
        ALLOCATION_V1.write(md2, al);
        md2.flip();
        out.put("metadataV2WithAllocation", hex(md2));
        Struct alNull = new Struct(ALLOCATION_V1).set("allocation", null);
        Struct header1 = new Struct(HEADER).set("version", (short) 1);
        ByteBuffer md1 = ByteBuffer.allocate(HEADER.sizeOf(header1) + CONFIG_STATE_V0.sizeOf(cs) + ALLOCATION_V1.sizeOf(alNull));
        HEADER.write(md1, header1);
        CONFIG_STATE_V0.write(md1, cs);
        ALLOCATION_V1.write(md1, alNull);
        md1.flip();
        out.put("metadataV1NoAllocation", hex(md1));

        // config topic values (JsonConverter, schemas.enable=false: Jackson over an ObjectNode in struct field order)
        ObjectNode props = f.objectNode();
        props.put("connector.class", "FileStreamSource");
        props.put("tasks.max", "1");
        props.put("file", "/tmp/in \"quoted\"\t.txt");
        props.put("topic", "connect-test");
        props.put("name", "local-file-source");
        ObjectNode connector = f.objectNode();
        connector.set("properties", props);
        out.put("connectorConfigValue", mapper.writeValueAsString(connector));
        ObjectNode commit = f.objectNode();
        commit.put("tasks", 3);
        out.put("commitValue", mapper.writeValueAsString(commit));
        // KafkaConfigBackingStore.TASK_COUNT_RECORD_V0: struct {task-count: INT32} (KIP-618), key tasks-fencing-<connector>
        ObjectNode taskCount = f.objectNode();
        taskCount.put("task-count", 3);
        out.put("taskCountValue", mapper.writeValueAsString(taskCount));
        ObjectNode stopped = f.objectNode();
        stopped.put("state", "PAUSED");
        stopped.put("state.v2", "STOPPED");
        out.put("targetStateStoppedValue", mapper.writeValueAsString(stopped));
        ObjectNode session = f.objectNode();
        session.put("key", "c2VjcmV0LWtleS0zMi1ieXRlcy1sb25nLi4uLi4uLi4=");
        session.put("algorithm", "HmacSHA256");
        session.put("creation-timestamp", 1700000000123L);
        out.put("sessionKeyValue", mapper.writeValueAsString(session));
        ObjectNode restart = f.objectNode();
        restart.put("include-tasks", true);
        restart.put("only-failed", false);
        out.put("restartRequestValue", mapper.writeValueAsString(restart));
        ObjectNode level = f.objectNode();
        level.put("level", "DEBUG");
        out.put("loggerLevelValue", mapper.writeValueAsString(level));
        // status topic (STATUS_SCHEMA_V0 order: state, trace, worker_id, generation)
        ObjectNode status = f.objectNode();
        status.put("state", "FAILED");
        status.put("trace", "org.apache.kafka.connect.errors.ConnectException: boom\n\tat x");
        status.put("worker_id", "w1:8083");
        status.put("generation", 5);
        out.put("statusFailedValue", mapper.writeValueAsString(status));
        ObjectNode running = f.objectNode();
        running.put("state", "RUNNING");
        running.putNull("trace");
        running.put("worker_id", "w1:8083");
        running.put("generation", 5);
        out.put("statusRunningValue", mapper.writeValueAsString(running));
        ObjectNode topicInner = f.objectNode();
        topicInner.put("name", "connect-test");
        topicInner.put("connector", "local-file-source");
        topicInner.put("task", 0);
        topicInner.put("discoverTimestamp", 1700000000123L);
        ObjectNode topic = f.objectNode();
        topic.set("topic", topicInner);
        out.put("topicStatusValue", mapper.writeValueAsString(topic));
        // offsets topic: key ["<connector>",{partition}], value {offset}
        out.put("offsetKey", mapper.writeValueAsString(f.arrayNode().add("local-file-source").add(f.objectNode().put("filename", "/tmp/test.txt"))));
        out.put("offsetValue", mapper.writeValueAsString(f.objectNode().put("position", 1234L)));

        System.out.println(mapper.writerWithDefaultPrettyPrinter().writeValueAsString(out));
    }
}
