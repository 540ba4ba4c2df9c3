package dev.rapport.segment.evaluation;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What segment-service holds of one profile, as the Java evaluator reads it: the same rows the SQL compiler reads.
 *
 * @param attributes attribute name -> value (a JSON object)
 * @param events     the profile's events (those whose names the evaluated segments use, or all of them)
 * @param consent    purpose (or "purpose/channel") -> granted; null when the person never decided anything
 * @param rfm        {"segment", "recency", "frequency", "monetary"} from the last RFM run; null when not scored
 */
public record Facts(UUID profileId, JsonNode attributes, List<StoredEvent> events, JsonNode consent, JsonNode rfm) {

    public record StoredEvent(String id, String name, Instant occurTime, JsonNode properties) {
    }
}
