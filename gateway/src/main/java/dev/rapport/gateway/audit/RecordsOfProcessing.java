package dev.rapport.gateway.audit;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

import jakarta.enterprise.context.ApplicationScoped;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;

import dev.rapport.gateway.config.PrivacyConfig;
import dev.rapport.proto.common.v1.Privacy;
import io.smallrye.mutiny.Uni;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The records of processing (GDPR Art. 30), made from two sources that cannot drift from what runs: the privacy
 * annotations on the contracts (which data categories each public operation and each topic carries) and the audit
 * trail (which operations were performed for which purpose, how often, about how many people, and how many were
 * refused). Subjects are counted by their keyed hash; nobody is named.
 */
@ApplicationScoped
public class RecordsOfProcessing {
    /** The public API and the topics, whose annotations say what they carry. */
    private static final List<FileDescriptor> TOPICS = List.of(dev.rapport.proto.profile.v1.ProfileTopics.getDescriptor(),
            dev.rapport.proto.segment.v1.SegmentTopics.getDescriptor(), dev.rapport.proto.campaign.v1.CampaignTopics.getDescriptor(),
            dev.rapport.proto.chat.v1.ChatTopics.getDescriptor(), dev.rapport.proto.privacy.v1.PrivacyTopics.getDescriptor());

    private final Pool pool;
    private final PrivacyConfig config;

    RecordsOfProcessing(Pool pool, PrivacyConfig config) {
        this.pool = pool;
        this.config = config;
    }

    public Uni<JsonObject> export(Instant from, Instant to) {
        return pool.preparedQuery("""
                SELECT purpose, operation, count(*) FILTER (WHERE outcome = 'ok') AS performed, count(*) FILTER (WHERE outcome <> 'ok') AS refused,
                       count(DISTINCT subject) AS people, array_agg(DISTINCT r) AS roles
                FROM audit_event, unnest(actor_roles) r
                WHERE occur_time >= $1 AND occur_time < $2
                GROUP BY purpose, operation ORDER BY purpose, operation""")
                .execute(Tuple.of(OffsetDateTime.ofInstant(from, ZoneOffset.UTC), OffsetDateTime.ofInstant(to, ZoneOffset.UTC)))
                .map(rows -> {
                    Map<String, JsonArray> byPurpose = new TreeMap<>();
                    for (Row row : rows) {
                        byPurpose.computeIfAbsent(row.getString("purpose"), p -> new JsonArray()).add(new JsonObject()
                                .put("operation", row.getString("operation"))
                                .put("performed", row.getLong("performed"))
                                .put("refused", row.getLong("refused"))
                                .put("people", row.getLong("people"))
                                .put("by_roles", new JsonArray(List.of((Object[]) row.getArrayOfStrings("roles")))));
                    }
                    JsonArray activities = new JsonArray();
                    byPurpose.forEach((purpose, operations) -> activities.add(new JsonObject().put("purpose", purpose).put("operations", operations)));
                    PrivacyConfig.Controller controller = config.controller();
                    return new JsonObject()
                            .put("controller", new JsonObject().put("name", controller.name()).put("contact", controller.contact())
                                    .put("email", controller.email()).put("address", controller.address()))
                            .put("period", new JsonObject().put("from", from.toString()).put("to", to.toString()))
                            .put("processing", activities)
                            .put("operations", operations())
                            .put("topics", topics())
                            .put("safeguards", new JsonArray()
                                    .add("every use of personal data through the gateway is audited; subjects by keyed hash (HMAC-SHA256)")
                                    .add("each operation serves a declared purpose, refused without a lawful basis (consent-policy.json)")
                                    .add("precise location coarsened for purposes without its consent")
                                    .add("data-subject requests carried out by every service and erasure verified"));
                });
    }

    /** Each public operation and the data categories it takes and answers. */
    static JsonArray operations() {
        JsonArray operations = new JsonArray();
        for (ServiceDescriptor service : dev.rapport.proto.api.v1.PublicApi.getDescriptor().getServices()) {
            for (MethodDescriptor method : service.getMethods()) {
                Set<String> categories = new TreeSet<>();
                categories(method.getInputType(), categories, new HashSet<>());
                categories(method.getOutputType(), categories, new HashSet<>());
                operations.add(new JsonObject().put("operation", service.getFullName() + "/" + method.getName())
                        .put("data_categories", new JsonArray(new ArrayList<>(categories))));
            }
        }
        return operations;
    }

    /** Each Kafka message and the data categories its topic may carry. */
    static JsonArray topics() {
        JsonArray topics = new JsonArray();
        for (FileDescriptor file : TOPICS) {
            for (Descriptor message : file.getMessageTypes()) {
                List<String> declared = message.getOptions().getExtension(Privacy.messageDataCategory);
                if (!declared.isEmpty()) {
                    topics.add(new JsonObject().put("message", message.getFullName()).put("data_categories", new JsonArray(new ArrayList<>(declared))));
                }
            }
        }
        return topics;
    }

    private static void categories(Descriptor message, Set<String> into, Set<String> seen) {
        if (!seen.add(message.getFullName())) {
            return;
        }
        for (FieldDescriptor field : message.getFields()) {
            into.addAll(field.getOptions().getExtension(Privacy.dataCategory));
            if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
                categories(field.getMessageType(), into, seen);
            }
        }
    }
}
