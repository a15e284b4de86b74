import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.QuorumInfo;
import org.apache.kafka.common.Node;

/**
 * Kafka's Admin client talking to the controllers (KIP-919:
 * bootstrap.controllers instead of bootstrap.servers), as
 * `kafka-metadata-quorum --bootstrap-controller` and `kafka-configs
 * --bootstrap-controller` do: describeCluster (DescribeCluster with the
 * controller endpoint type) and describeMetadataQuorum (DescribeQuorum).
 * Prints one JSON line: {"clusterId", "controller", "nodes", "quorum"}, or
 * {"error": "..."} for a call that failed.
 * Usage: ControllerAdmin controllerHost:port
 */
public final class ControllerAdmin {
    public static void main(String[] args) throws Exception {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_CONTROLLERS_CONFIG, args[0]);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "10000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "20000");
        try (Admin admin = Admin.create(props)) {
            DescribeClusterResult cluster = admin.describeCluster();
            List<Object> nodes = new ArrayList<>();
            for (Node n : cluster.nodes().get()) nodes.add(node(n));
            Map<String, Object> out = Json.obj(
                "clusterId", cluster.clusterId().get(),
                "controller", node(cluster.controller().get()),
                "nodes", nodes);
            try {
                QuorumInfo q = admin.describeMetadataQuorum().quorumInfo().get();
                List<Object> voters = new ArrayList<>();
                for (QuorumInfo.ReplicaState v : q.voters()) voters.add(Json.obj("replicaId", v.replicaId(), "logEndOffset", v.logEndOffset()));
                out.put("quorum", Json.obj("leaderId", q.leaderId(), "leaderEpoch", q.leaderEpoch(), "highWatermark", q.highWatermark(), "voters", voters, "observers", q.observers().size()));
            } catch (ExecutionException e) {
                out.put("quorumError", e.getCause().getClass().getSimpleName() + ": " + e.getCause().getMessage());
            }
            Json.emit(out);
        } catch (ExecutionException e) {
            Json.emit(Json.obj("error", e.getCause().getClass().getSimpleName() + ": " + e.getCause().getMessage()));
        }
    }

    private static Map<String, Object> node(Node n) {
        return Json.obj("id", n.id(), "host", n.host(), "port", n.port());
    }
}
