import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * A KafkaConsumer in a group with the given group.protocol ("consumer" for
 * KIP-848, "classic"), committing every non-empty poll with commitSync.
 * Prints JSON lines with the wall-clock time of each event, so that a test
 * can line up who owned which partition when:
 * {"event":"assigned"|"revoked"|"lost","partitions":[...],"ts":ms},
 * {"event":"record","partition":p,"offset":o,"value":v,"ts":ms},
 * {"event":"committed","offsets":{partition: offset},"ts":ms}, {"event":"closed"}.
 * "close" on stdin leaves the group (close()) and exits.
 * Usage: ProtocolMember bootstrap group topic clientId protocol
 */
public final class ProtocolMember {
    public static void main(String[] args) throws Exception {
        String topic = args[2];
        String protocol = args[4];
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, args[1]);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, args[3]);
        props.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5");
        if (protocol.equals("classic")) {
            // The consumer protocol takes these from the broker (group.consumer.*); the classic one from the client.
            props.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "500");
            props.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "10000");
        }
        AtomicBoolean closing = new AtomicBoolean(false);
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            Thread stdin = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        if (line.trim().equals("close")) break;
                    }
                } catch (Exception e) {
                    // stdin closed: leave as well
                }
                closing.set(true);
                consumer.wakeup();
            });
            stdin.setDaemon(true);
            stdin.start();
            consumer.subscribe(List.of(topic), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    Json.emit(Json.obj("event", "revoked", "partitions", partitionList(partitions), "ts", System.currentTimeMillis()));
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    Json.emit(Json.obj("event", "assigned", "partitions", partitionList(partitions), "ts", System.currentTimeMillis()));
                }

                @Override
                public void onPartitionsLost(Collection<TopicPartition> partitions) {
                    Json.emit(Json.obj("event", "lost", "partitions", partitionList(partitions), "ts", System.currentTimeMillis()));
                }
            });
            while (!closing.get()) {
                ConsumerRecords<String, String> records;
                try {
                    records = consumer.poll(Duration.ofMillis(200));
                } catch (WakeupException e) {
                    break;
                }
                if (records.isEmpty()) continue;
                Map<String, Object> committed = new TreeMap<>();
                for (ConsumerRecord<String, String> rec : records) {
                    Json.emit(Json.obj("event", "record", "partition", rec.partition(), "offset", rec.offset(), "value", rec.value(), "ts", System.currentTimeMillis()));
                    committed.put(String.valueOf(rec.partition()), rec.offset() + 1);
                }
                try {
                    consumer.commitSync();
                } catch (WakeupException e) {
                    consumer.commitSync();
                    Json.emit(Json.obj("event", "committed", "offsets", committed, "ts", System.currentTimeMillis()));
                    break;
                }
                Json.emit(Json.obj("event", "committed", "offsets", committed, "ts", System.currentTimeMillis()));
            }
        }
        Json.emit(Json.obj("event", "closed"));
    }

    private static List<Object> partitionList(Collection<TopicPartition> partitions) {
        List<Object> out = new ArrayList<>();
        partitions.stream().map(TopicPartition::partition).sorted().forEach(out::add);
        return out;
    }
}
