package dev.rapport.profile;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.junit.jupiter.api.Test;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;

import dev.rapport.privacy.DataCategories;
import dev.rapport.proto.common.v1.Privacy;

/**
 * The build check of the privacy annotations on every contract in {@code proto/} (this module generates stubs for
 * all of them): every category named is a known one, every field that names a person is annotated, and every Kafka
 * message declares what its topic may carry.
 */
class ContractAnnotationsTest {
    /** Field names that always identify a person, wherever they appear. */
    private static final Set<String> PERSON_IDS = Set.of("profile_id", "subject", "surviving_profile_id", "merged_profile_id",
            "merged_into_profile_id");

    private static List<Descriptor> allMessages() {
        List<FileDescriptor> files = List.of(
                dev.rapport.proto.api.v1.PublicApi.getDescriptor(),
                dev.rapport.proto.profile.v1.ProfileOuterClass.getDescriptor(),
                dev.rapport.proto.profile.v1.ProfileServiceOuterClass.getDescriptor(),
                dev.rapport.proto.profile.v1.ProfileTopics.getDescriptor(),
                dev.rapport.proto.segment.v1.SegmentServiceOuterClass.getDescriptor(),
                dev.rapport.proto.segment.v1.SegmentTopics.getDescriptor(),
                dev.rapport.proto.campaign.v1.CampaignServiceOuterClass.getDescriptor(),
                dev.rapport.proto.campaign.v1.CampaignTopics.getDescriptor(),
                dev.rapport.proto.chat.v1.ChatServiceOuterClass.getDescriptor(),
                dev.rapport.proto.chat.v1.ChatTopics.getDescriptor(),
                dev.rapport.proto.privacy.v1.PrivacyTopics.getDescriptor(),
                dev.rapport.proto.privacy.v1.ConsentLedger.getDescriptor(),
                dev.rapport.proto.privacy.v1.PrivacyRequests.getDescriptor(),
                dev.rapport.proto.common.v1.EnvelopeOuterClass.getDescriptor());
        List<Descriptor> messages = new ArrayList<>();
        for (FileDescriptor file : files) {
            file.getMessageTypes().forEach(m -> collect(m, messages));
        }
        return messages;
    }

    private static void collect(Descriptor message, List<Descriptor> into) {
        into.add(message);
        message.getNestedTypes().forEach(nested -> collect(nested, into));
    }

    @Test
    void everyCategoryNamedInTheContractsIsAKnownOne() {
        Map<String, String> unknown = new LinkedHashMap<>();
        for (Descriptor message : allMessages()) {
            message.getOptions().getExtension(Privacy.messageDataCategory).stream().filter(c -> !DataCategories.isKnown(c))
                    .forEach(c -> unknown.put(message.getFullName(), c));
            for (FieldDescriptor field : message.getFields()) {
                field.getOptions().getExtension(Privacy.dataCategory).stream().filter(c -> !DataCategories.isKnown(c))
                        .forEach(c -> unknown.put(field.getFullName(), c));
            }
        }
        assertEquals(Map.of(), unknown);
    }

    @Test
    void everyFieldThatNamesAPersonIsAnnotated() {
        List<String> bare = new ArrayList<>();
        for (Descriptor message : allMessages()) {
            for (FieldDescriptor field : message.getFields()) {
                if (PERSON_IDS.contains(field.getName()) && field.getOptions().getExtension(Privacy.dataCategory).isEmpty()) {
                    bare.add(field.getFullName());
                }
            }
        }
        assertEquals(List.of(), bare);
    }

    @Test
    void everyKafkaMessageDeclaresWhatItsTopicMayCarry() {
        List<String> undeclared = new ArrayList<>();
        for (Descriptor message : allMessages()) {
            boolean onATopic = message.findFieldByName("envelope") != null;
            if (onATopic && message.getOptions().getExtension(Privacy.messageDataCategory).isEmpty()) {
                undeclared.add(message.getFullName());
            }
        }
        assertEquals(List.of(), undeclared);
    }
}
