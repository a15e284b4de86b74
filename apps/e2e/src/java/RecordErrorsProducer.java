import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Sends N records in one batch to partition 0 of a topic, those whose index
 * is listed without a key, and prints one JSON document with every send's
 * outcome: {"results":[{"i":0,"offset":-1,"error":"ExceptionClass","message":"..."}]}.
 * Kafka's producer (Produce v8+) maps the broker's record errors (KIP-467) to
 * the records they name. Usage: RecordErrorsProducer bootstrap topic n keyless(csv)
 */
public final class RecordErrorsProducer {
    private static String quote(String s) {
        if (s == null) return "null";
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.append('"').toString();
    }

    public static void main(String[] args) throws Exception {
        String bootstrap = args[0];
        String topic = args[1];
        int n = Integer.parseInt(args[2]);
        Set<Integer> keyless = new HashSet<>();
        for (String s : args[3].split(",")) if (!s.isEmpty()) keyless.add(Integer.parseInt(s));
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.LINGER_MS_CONFIG, "500");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, "1048576");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");
        props.put(ProducerConfig.RETRIES_CONFIG, "0");
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        String[] results = new String[n];
        CountDownLatch done = new CountDownLatch(n);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
            for (int i = 0; i < n; i++) {
                final int index = i;
                String key = keyless.contains(i) ? null : "k" + i;
                producer.send(new ProducerRecord<>(topic, 0, key, "v" + i), (md, e) -> {
                    long offset = md == null ? -1 : md.offset();
                    results[index] = "{\"i\":" + index + ",\"offset\":" + offset
                        + ",\"error\":" + (e == null ? "null" : quote(e.getClass().getSimpleName()))
                        + ",\"message\":" + (e == null ? "null" : quote(e.getMessage())) + "}";
                    done.countDown();
                });
            }
            producer.flush();
            done.await(60, TimeUnit.SECONDS);
        }
        List<String> out = new ArrayList<>();
        for (String r : results) out.add(r == null ? "null" : r);
        System.out.println("{\"results\":[" + String.join(",", out) + "]}");
    }
}
