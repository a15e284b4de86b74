import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewPartitionReassignment;
import org.apache.kafka.clients.admin.PartitionReassignment;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.ElectionType;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;

/**
 * Kafka's Admin client moving a partition and electing its preferred leader, as
 * kafka-reassign-partitions and kafka-leader-election do: listPartitionReassignments,
 * alterPartitionReassignments (a reorder, then an unknown broker), electLeaders (PREFERRED: done,
 * then not needed; an unknown partition). Prints one JSON line with each step's outcome.
 * Usage: ReassignElect bootstrap topic
 */
public final class ReassignElect {
    public static void main(String[] args) throws Exception {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        String topic = args[1];
        TopicPartition tp = new TopicPartition(topic, 0);
        Map<String, Object> out = Json.obj();
        try (Admin admin = Admin.create(props)) {
            out.put("listedBefore", admin.listPartitionReassignments().reassignments().get().size());
            admin.alterPartitionReassignments(Map.of(tp, Optional.of(new NewPartitionReassignment(List.of(2, 1, 3))))).all().get();
            List<Object> replicas = List.of();
            for (int i = 0; i < 100; i++) {
                TopicDescription d = admin.describeTopics(Set.of(topic)).allTopicNames().get().get(topic);
                List<Object> r = new ArrayList<>();
                for (Node n : d.partitions().get(0).replicas()) r.add(n.id());
                replicas = r;
                if (r.equals(List.of(2, 1, 3))) break;
                Thread.sleep(200);
            }
            out.put("replicasAfterReorder", replicas);
            out.put("leaderBefore", admin.describeTopics(Set.of(topic)).allTopicNames().get().get(topic).partitions().get(0).leader().id());
            out.put("elect", outcome(admin.electLeaders(ElectionType.PREFERRED, Set.of(tp)).partitions().get().get(tp)));
            out.put("leaderAfter", admin.describeTopics(Set.of(topic)).allTopicNames().get().get(topic).partitions().get(0).leader().id());
            out.put("electAgain", outcome(admin.electLeaders(ElectionType.PREFERRED, Set.of(tp)).partitions().get().get(tp)));
            TopicPartition missing = new TopicPartition(topic, 9);
            out.put("electMissing", outcome(admin.electLeaders(ElectionType.PREFERRED, Set.of(missing)).partitions().get().get(missing)));
            try {
                admin.alterPartitionReassignments(Map.of(tp, Optional.of(new NewPartitionReassignment(List.of(1, 7))))).all().get();
                out.put("unknownBroker", "ok");
            } catch (ExecutionException e) {
                out.put("unknownBroker", e.getCause().getClass().getSimpleName());
            }
            Map<TopicPartition, PartitionReassignment> listed = admin.listPartitionReassignments().reassignments().get();
            out.put("listedAfter", listed.size());
        } catch (ExecutionException e) {
            out.put("error", e.getCause().getClass().getSimpleName() + ": " + e.getCause().getMessage());
        }
        Json.emit(out);
    }

    private static String outcome(Optional<Throwable> t) {
        return t.isPresent() ? t.get().getClass().getSimpleName() : "ok";
    }
}
