import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.Callable;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeConfigsOptions;
import org.apache.kafka.common.config.ConfigResource;

/**
 * Kafka's config surface through the Java Admin client: incremental alters
 * of a per-broker dynamic config (and the refusals DynamicBrokerConfig
 * makes), DescribeConfigs of the broker with Kafka's types, and the GROUP
 * (KIP-848) and CLIENT_METRICS (KIP-714) resources. Prints one JSON line per
 * step ({"step": name, ...} or {"step": name, "error": "Class: message"}).
 * Usage: ConfigsSurface bootstrap brokerId
 */
public final class ConfigsSurface {
    public static void main(String[] args) throws Exception {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "e2e-configs-surface");
        ConfigResource broker = new ConfigResource(ConfigResource.Type.BROKER, args[1]);
        ConfigResource clusterDefault = new ConfigResource(ConfigResource.Type.BROKER, "");
        ConfigResource group = new ConfigResource(ConfigResource.Type.GROUP, "java-configs-group");
        ConfigResource subscription = new ConfigResource(ConfigResource.Type.CLIENT_METRICS, "java-configs-sub");
        try (Admin admin = Admin.create(props)) {
            step("alter broker", () -> alter(admin, broker, set("sasl.kerberos.min.time.before.relogin", "150000")));
            step("alter cluster default", () -> alter(admin, clusterDefault, set("sasl.kerberos.min.time.before.relogin", "150000")));
            step("alter static", () -> alter(admin, broker, set("log.retention.hours", "1")));
            step("describe broker", () -> {
                Config c = describe(admin, broker);
                Map<String, Object> picked = new TreeMap<>();
                for (String n : List.of("sasl.kerberos.min.time.before.relogin", "num.network.threads", "log.retention.hours", "ssl.keystore.password", "log.cleanup.policy")) {
                    picked.put(n, entry(c.get(n)));
                }
                return Json.obj("count", c.entries().size(), "entries", picked);
            });
            step("alter group", () -> alter(admin, group, set("consumer.heartbeat.interval.ms", "6000")));
            step("alter group out of bounds", () -> alter(admin, group, set("consumer.session.timeout.ms", "1000")));
            step("describe group", () -> entries(describe(admin, group).entries()));
            step("alter client metrics", () -> alter(admin, subscription, set("metrics", "org.apache.kafka.producer."), set("interval.ms", "2000")));
            step("alter client metrics bad interval", () -> alter(admin, subscription, set("interval.ms", "10")));
            step("describe client metrics", () -> entries(describe(admin, subscription).entries()));
        }
    }

    private static AlterConfigOp set(String name, String value) {
        return new AlterConfigOp(new ConfigEntry(name, value), AlterConfigOp.OpType.SET);
    }

    private static Map<String, Object> alter(Admin admin, ConfigResource r, AlterConfigOp... ops) throws Exception {
        try {
            admin.incrementalAlterConfigs(Map.of(r, List.of(ops))).all().get();
            return Json.obj("ok", true);
        } catch (Exception e) {
            return Json.obj("ok", false, "expectedError", Json.error(e));
        }
    }

    private static Config describe(Admin admin, ConfigResource r) throws Exception {
        return admin.describeConfigs(List.of(r), new DescribeConfigsOptions().includeSynonyms(true)).all().get().get(r);
    }

    private static Map<String, Object> entries(Collection<ConfigEntry> es) {
        Map<String, Object> out = new TreeMap<>();
        for (ConfigEntry e : es) out.put(e.name(), entry(e));
        return Json.obj("entries", out);
    }

    private static Map<String, Object> entry(ConfigEntry e) {
        if (e == null) return null;
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("value", e.value());
        m.put("source", e.source().name());
        m.put("type", e.type().name());
        m.put("readOnly", e.isReadOnly());
        m.put("sensitive", e.isSensitive());
        return m;
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
}
