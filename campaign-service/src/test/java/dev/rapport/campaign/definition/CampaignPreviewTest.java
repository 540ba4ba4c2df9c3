package dev.rapport.campaign.definition;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.Supplier;

import org.junit.jupiter.api.Test;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;

import dev.rapport.proto.campaign.v1.Campaign;
import dev.rapport.proto.campaign.v1.MessagePreview;
import dev.rapport.proto.campaign.v1.MessageVariant;

/** A person's message from a campaign: the traits are worked out only for a template that reads them. */
class CampaignPreviewTest {
    private static final Struct ADA = Struct.newBuilder().putFields("first_name", Value.newBuilder().setStringValue("Ada").build())
            .putFields("language", Value.newBuilder().setStringValue("en").build()).build();

    @Test
    void aTemplateThatNeverNamesTheTraitsNeverAsksForThem() {
        Supplier<Struct> untouchable = () -> {
            throw new AssertionError("the traits were asked for");
        };
        MessagePreview message = Campaigns.preview(campaign("Hi {{ profile.first_name }}", "Nothing more to say"), ADA, untouchable,
                Struct.getDefaultInstance(), Struct.getDefaultInstance());
        assertTrue(message.getSent(), message.toString());
        assertEquals("Hi Ada", message.getSubject());
    }

    @Test
    void aTemplateThatReadsTheTraitsGetsThem() {
        int[] asked = {0};
        Supplier<Struct> traits = () -> {
            asked[0]++;
            return Struct.newBuilder().putFields("age", Value.newBuilder().setNumberValue(36).build()).build();
        };
        MessagePreview message = Campaigns.preview(campaign("Hi {{ profile.first_name }}", "{{ traits.age }} years"), ADA, traits,
                Struct.getDefaultInstance(), Struct.getDefaultInstance());
        assertEquals("36 years", message.getBody());
        assertEquals(1, asked[0]);
    }

    private static Campaign campaign(String subject, String body) {
        return Campaign.newBuilder().setDefaultLocale("en")
                .addVariants(MessageVariant.newBuilder().setLocale("en").setSubjectLine(subject).setBody(body)).build();
    }
}
