package dev.rapport.gateway.consent;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import io.quarkus.runtime.StartupEvent;

/**
 * {@code privacy.consent} must be compacted (it holds each person's latest state, and a tombstone erases them), which
 * a broker's auto-created topic is not: the gateway, its publisher, makes it so at start (creating or altering it).
 */
@Singleton
public class ConsentTopic {
    private static final Logger LOG = Logger.getLogger(ConsentTopic.class);

    void create(@Observes StartupEvent start, @ConfigProperty(name = "kafka.bootstrap.servers") String bootstrap,
            @ConfigProperty(name = "mp.messaging.outgoing.consent-states.topic") String topic,
            @ConfigProperty(name = "rapport.consent.topic-partitions", defaultValue = "3") int partitions) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000, AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000))) {
            try {
                admin.createTopics(List.of(new NewTopic(topic, partitions, (short) -1)
                        .configs(Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT))))
                        .all().get(20, TimeUnit.SECONDS);
                LOG.infof("created the compacted topic %s", topic);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
                // Created before us (a consumer's subscription auto-creates it with the broker's defaults): compact it.
                ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
                admin.incrementalAlterConfigs(Map.of(resource, List.of(new AlterConfigOp(
                        new ConfigEntry(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT), AlterConfigOp.OpType.SET))))
                        .all().get(20, TimeUnit.SECONDS);
            }
        } catch (ExecutionException e) {
            LOG.warnf("could not create the compacted topic %s (%s); states are published once Kafka answers", topic, e.getCause());
        } catch (TimeoutException e) {
            LOG.warnf("could not create the compacted topic %s in time; states are published once Kafka answers", topic);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
