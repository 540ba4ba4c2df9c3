package dev.rapport.campaign.delivery;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.rapport.campaign.config.CampaignConfig;
import dev.rapport.campaign.config.CampaignConfig.FrequencyCap;
import dev.rapport.proto.campaign.v1.Campaign;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Frequency caps on promotional messages: at most N to one person within a rolling window, across channels ("all")
 * and per channel. When this message would take a person's last slot and a campaign of higher priority has a message
 * for them due now too, the slot is left to that one — the more important message wins, not the first. Checked with
 * the person locked (Broadcasts), so two messages never both take the last slot.
 */
@ApplicationScoped
public class FrequencyCaps {
    /** A message due this soon competes for the slot (a claimed one is due again within its lease). */
    private static final Duration COMPETING = Duration.ofMinutes(2);
    private static final String PROMOTIONAL = "(c.purpose = 'marketing.communications' OR c.purpose LIKE 'marketing.communications.%')";

    private final Map<String, FrequencyCap> caps;
    private final Duration longest;
    private final Clock clock;

    FrequencyCaps(CampaignConfig config, Clock clock) {
        this.caps = config.frequencyCaps();
        this.longest = caps.values().stream().map(FrequencyCap::window).max(Duration::compareTo).orElse(Duration.ZERO);
        this.clock = clock;
        caps.forEach((channel, cap) -> {
            if (cap.messages() < 1 || cap.window().isNegative() || cap.window().isZero()) {
                throw new IllegalStateException("rapport.campaign.frequency-caps." + channel + ": at least 1 message in a window longer than 0");
            }
        });
    }

    /** Why this message may not go out now (empty: it may), in the caller's transaction with the person locked. */
    Uni<Optional<String>> check(SqlClient sql, Campaign campaign, UUID person, String occasion) {
        List<Map.Entry<String, FrequencyCap>> applying = caps.entrySet().stream()
                .filter(cap -> cap.getKey().equals("all") || cap.getKey().equals(campaign.getChannel())).toList();
        if (applying.isEmpty()) {
            return Uni.createFrom().item(Optional.empty());
        }
        Instant now = clock.instant();
        return sql.preparedQuery("SELECT c.channel, d.send_time FROM delivery d JOIN campaign c ON c.id = d.campaign_id "
                        + "WHERE d.profile_id = $1 AND d.status = 'sent' AND d.send_time > $2 AND " + PROMOTIONAL)
                .execute(Tuple.of(person, now.minus(longest).atOffset(ZoneOffset.UTC)))
                .flatMap(sent -> {
                    List<String> lastSlots = new ArrayList<>();
                    for (Map.Entry<String, FrequencyCap> cap : applying) {
                        Instant since = now.minus(cap.getValue().window());
                        long used = 0;
                        for (var row : sent) {
                            if ((cap.getKey().equals("all") || cap.getKey().equals(row.getString("channel")))
                                    && row.getOffsetDateTime("send_time").toInstant().isAfter(since)) {
                                used++;
                            }
                        }
                        if (used >= cap.getValue().messages()) {
                            return Uni.createFrom().item(Optional.of("frequency cap: " + used + " promotional messages"
                                    + (cap.getKey().equals("all") ? "" : " by " + cap.getKey()) + " within " + describe(cap.getValue().window())));
                        }
                        if (used == cap.getValue().messages() - 1) {
                            lastSlots.add(cap.getKey());
                        }
                    }
                    return lastSlots.isEmpty() ? Uni.createFrom().item(Optional.<String>empty())
                            : higherPriorityDue(sql, campaign, person, occasion, lastSlots, now)
                                    .map(wins -> wins ? Optional.of("frequency cap: the last slot went to a campaign of higher priority")
                                            : Optional.<String>empty());
                });
    }

    private static Uni<Boolean> higherPriorityDue(SqlClient sql, Campaign campaign, UUID person, String occasion, List<String> slots,
            Instant now) {
        boolean anyChannel = slots.contains("all");
        return sql.preparedQuery("SELECT 1 FROM delivery d JOIN campaign c ON c.id = d.campaign_id "
                        + "WHERE d.profile_id = $1 AND d.status IN ('planned', 'sending') AND d.due_time <= $2 AND c.status = 'ACTIVE' "
                        + "AND c.priority > $3 AND ($4 OR c.channel = ANY($5)) AND NOT (d.campaign_id = $6 AND d.occasion = $7) AND "
                        + PROMOTIONAL + " LIMIT 1")
                .execute(Tuple.from(List.of(person, now.plus(COMPETING).atOffset(ZoneOffset.UTC), campaign.getPriority(), anyChannel,
                        slots.toArray(String[]::new), UUID.fromString(campaign.getId()), occasion)))
                .map(rows -> rows.size() > 0);
    }

    private static String describe(Duration window) {
        return window.toDays() >= 1 && window.toHoursPart() == 0 ? window.toDays() + " days" : window.toHours() + " hours";
    }
}
