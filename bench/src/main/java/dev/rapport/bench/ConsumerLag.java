package dev.rapport.bench;

import java.util.Properties;
import java.util.stream.Collectors;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;

/** How far the suite's consumers are behind on Kafka (127.0.0.1:9092). */
final class ConsumerLag {
    private ConsumerLag() {
    }

    /** Records not yet consumed, summed over every consumer group and partition it has committed on. */
    static long total() throws Exception {
        Properties config = new Properties();
        config.put("bootstrap.servers", "127.0.0.1:9092");
        long lag = 0;
        try (Admin admin = Admin.create(config)) {
            for (var group : admin.listConsumerGroups().all().get()) {
                var committed = admin.listConsumerGroupOffsets(group.groupId()).partitionsToOffsetAndMetadata().get();
                if (committed.isEmpty()) {
                    continue;
                }
                var latest = admin.listOffsets(committed.keySet().stream().collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest())))
                        .all().get();
                for (var entry : committed.entrySet()) {
                    if (entry.getValue() != null && latest.containsKey(entry.getKey())) {
                        lag += Math.max(0, latest.get(entry.getKey()).offset() - entry.getValue().offset());
                    }
                }
            }
        }
        return lag;
    }
}
