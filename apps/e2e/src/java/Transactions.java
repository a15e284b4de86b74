import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Kafka's Java client transactions against nagare. Modes (first argument):
 *
 *   produce bootstrap topic txnId partitions: three transactions (commit,
 *     abort, commit), then reads the topic with a read_committed consumer;
 *     prints {"values":[...],"endOffsets":{p:o},"uncommitted":n}.
 *   ctp bootstrap in out group txnId count: consume-transform-produce with
 *     sendOffsetsToTransaction(offsets, consumer.groupMetadata()), the first
 *     round aborted (and rewound); prints {"committed":n,"aborted":n}.
 *   zombie bootstrap topic txnId: a second producer with the same id fences
 *     the first; prints {"commitError": ..., "zombieError": class names (the
 *     zombie's commit, then its abort), "values": [...]}.
 */
public final class Transactions {
    private static Properties producerProps(String bootstrap, String txnId) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, txnId);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        return p;
    }

    private static Properties consumerProps(String bootstrap, String group, String isolation) {
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        c.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        return c;
    }

    /** Every record readable at `isolation` (assign, from the beginning, to the end offsets), in partition order. */
    private static List<String> readAll(String bootstrap, String topic, int partitions, String isolation, Map<String, Object> endsOut) {
        List<TopicPartition> tps = new ArrayList<>();
        for (int i = 0; i < partitions; i++) tps.add(new TopicPartition(topic, i));
        List<String> out = new ArrayList<>();
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(consumerProps(bootstrap, "java-read-" + topic, isolation))) {
            c.assign(tps);
            c.seekToBeginning(tps);
            Map<TopicPartition, Long> ends = c.endOffsets(tps);
            if (endsOut != null) for (Map.Entry<TopicPartition, Long> e : ends.entrySet()) endsOut.put(String.valueOf(e.getKey().partition()), e.getValue());
            long deadline = System.currentTimeMillis() + 20000;
            while (System.currentTimeMillis() < deadline) {
                boolean done = true;
                for (TopicPartition tp : tps) if (c.position(tp) < ends.get(tp)) done = false;
                if (done) break;
                for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(200))) out.add(r.value());
            }
        }
        return out;
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "produce": produce(args[1], args[2], args[3], Integer.parseInt(args[4])); break;
            case "ctp": ctp(args[1], args[2], args[3], args[4], args[5], Integer.parseInt(args[6])); break;
            case "zombie": zombie(args[1], args[2], args[3]); break;
            default: throw new IllegalArgumentException(args[0]);
        }
    }

    private static void produce(String bootstrap, String topic, String txnId, int partitions) throws Exception {
        try (KafkaProducer<String, String> p = new KafkaProducer<>(producerProps(bootstrap, txnId))) {
            p.initTransactions();
            String[] labels = {"java-committed-a", "java-aborted", "java-committed-b"};
            for (int t = 0; t < labels.length; t++) {
                p.beginTransaction();
                for (int i = 0; i < partitions * 2; i++) p.send(new ProducerRecord<>(topic, i % partitions, null, labels[t] + "-" + i)).get();
                if (t == 1) p.abortTransaction();
                else p.commitTransaction();
            }
        }
        Map<String, Object> ends = new TreeMap<>();
        List<String> values = readAll(bootstrap, topic, partitions, "read_committed", ends);
        Collections.sort(values);
        int uncommitted = readAll(bootstrap, topic, partitions, "read_uncommitted", null).size();
        Json.emit(Json.obj("values", values, "endOffsets", ends, "uncommitted", uncommitted));
    }

    private static void ctp(String bootstrap, String in, String out, String group, String txnId, int count) throws Exception {
        int committed = 0;
        int aborted = 0;
        try (KafkaProducer<String, String> p = new KafkaProducer<>(producerProps(bootstrap, txnId));
             KafkaConsumer<String, String> c = new KafkaConsumer<>(consumerProps(bootstrap, group, "read_committed"))) {
            p.initTransactions();
            c.subscribe(Collections.singletonList(in));
            long deadline = System.currentTimeMillis() + 60000;
            while (committed < count && System.currentTimeMillis() < deadline) {
                ConsumerRecords<String, String> records = c.poll(Duration.ofMillis(500));
                if (records.isEmpty()) continue;
                p.beginTransaction();
                Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                for (ConsumerRecord<String, String> r : records) {
                    p.send(new ProducerRecord<>(out, r.partition(), r.key(), r.value().toUpperCase()));
                    offsets.put(new TopicPartition(r.topic(), r.partition()), new OffsetAndMetadata(r.offset() + 1));
                }
                p.sendOffsetsToTransaction(offsets, c.groupMetadata());
                if (aborted == 0) {
                    p.flush();
                    p.abortTransaction();
                    aborted += records.count();
                    // Rewind to the committed offsets: the aborted round is processed again.
                    Map<TopicPartition, OffsetAndMetadata> done = c.committed(c.assignment());
                    for (TopicPartition tp : c.assignment()) {
                        OffsetAndMetadata o = done.get(tp);
                        c.seek(tp, o == null ? 0 : o.offset());
                    }
                    continue;
                }
                p.commitTransaction();
                committed += records.count();
            }
        }
        Json.emit(Json.obj("committed", committed, "aborted", aborted));
    }

    private static void zombie(String bootstrap, String topic, String txnId) throws Exception {
        String zombieError = null;
        String commitError = null;
        KafkaProducer<String, String> zombie = new KafkaProducer<>(producerProps(bootstrap, txnId));
        try (KafkaProducer<String, String> fresh = new KafkaProducer<>(producerProps(bootstrap, txnId))) {
            zombie.initTransactions();
            zombie.beginTransaction();
            zombie.send(new ProducerRecord<>(topic, 0, null, "zombie-before")).get();
            fresh.initTransactions();
            fresh.beginTransaction();
            fresh.send(new ProducerRecord<>(topic, 0, null, "fresh")).get();
            fresh.commitTransaction();
            try {
                zombie.send(new ProducerRecord<>(topic, 0, null, "zombie-after"));
                zombie.commitTransaction();
            } catch (KafkaException e) {
                // The partition refuses the old epoch (InvalidProducerEpochException, abortable since Kafka 2.7);
                // aborting then meets the coordinator's PRODUCER_FENCED.
                commitError = rootOf(e);
                try {
                    zombie.abortTransaction();
                } catch (KafkaException e2) {
                    zombieError = rootOf(e2);
                }
            }
        } finally {
            zombie.close(Duration.ofSeconds(2));
        }
        List<String> values = readAll(bootstrap, topic, 1, "read_committed", null);
        Json.emit(Json.obj("commitError", commitError, "zombieError", zombieError, "values", values));
    }

    private static String rootOf(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && !(t instanceof org.apache.kafka.common.errors.ProducerFencedException) && !(t instanceof org.apache.kafka.common.errors.InvalidProducerEpochException)) t = t.getCause();
        return t.getClass().getSimpleName();
    }
}
