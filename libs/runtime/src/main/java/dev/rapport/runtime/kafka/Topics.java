package dev.rapport.runtime.kafka;

/** Kafka topic names (DESIGN.md, "Who owns what"), shared by producers, consumers and tests. */
public final class Topics {
    public static final String PROFILE_EVENTS = "profile.events";
    public static final String PROFILE_CHANGES = "profile.changes";
    public static final String PROFILE_INGEST = "profile.ingest";
    public static final String SEGMENT_MEMBERSHIP = "segment.membership";
    public static final String CAMPAIGN_DELIVERIES = "campaign.deliveries";
    public static final String CHAT_CONVERSATIONS = "chat.conversations";
    public static final String PRIVACY_CONSENT = "privacy.consent";
    public static final String PRIVACY_DSR = "privacy.dsr";
    public static final String PRIVACY_DSR_PROGRESS = "privacy.dsr.progress";

    private Topics() {
    }
}
