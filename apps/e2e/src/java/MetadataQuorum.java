import java.util.Properties;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.QuorumInfo;

/**
 * Describes the cluster and its KRaft metadata quorum with Kafka's Admin (KIP-836
 * describeMetadataQuorum), through brokers (bootstrap.servers: they forward DescribeQuorum to the
 * active controller) or controllers (bootstrap.controllers, KIP-919); prints one JSON line per call.
 * Usage: MetadataQuorum servers|controllers host:port,...
 */
public final class MetadataQuorum {
    public static void main(String[] args) throws Exception {
        Properties props = new Properties();
        props.put(args[0].equals("controllers") ? AdminClientConfig.BOOTSTRAP_CONTROLLERS_CONFIG : AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[1]);
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "e2e-metadata-quorum");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        try (Admin admin = Admin.create(props)) {
            try {
                DescribeClusterResult c = admin.describeCluster();
                Json.emit(Json.obj("step", "describeCluster", "clusterId", c.clusterId().get(), "controller", c.controller().get() == null ? null : c.controller().get().id(),
                        "nodes", c.nodes().get().stream().map(n -> n.id()).sorted().collect(Collectors.toList())));
            } catch (Exception e) {
                Json.emit(Json.obj("step", "describeCluster", "error", e.getCause() == null ? e.toString() : e.getCause().toString()));
            }
            try {
                QuorumInfo q = admin.describeMetadataQuorum().quorumInfo().get();
                Json.emit(Json.obj("step", "describeMetadataQuorum", "leaderId", q.leaderId(), "leaderEpoch", q.leaderEpoch(), "highWatermark", q.highWatermark(),
                        "voters", q.voters().stream().map(v -> Json.obj("id", v.replicaId(), "logEndOffset", v.logEndOffset())).collect(Collectors.toList()),
                        "observers", q.observers().stream().map(v -> v.replicaId()).sorted().collect(Collectors.toList()),
                        "nodes", q.nodes().keySet().stream().sorted().collect(Collectors.toList())));
            } catch (Exception e) {
                Json.emit(Json.obj("step", "describeMetadataQuorum", "error", e.getCause() == null ? e.toString() : e.getCause().toString()));
            }
        }
    }
}
