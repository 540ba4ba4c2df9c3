package dev.rapport.chatbot.support;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import jakarta.enterprise.context.ApplicationScoped;

import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * Whether a person can answer now and how long the customer will wait: the bot never pretends someone is coming.
 * Outside opening hours it says when people are back, keeps helping, and takes a way to reach the customer (a
 * ticket in the agents' queue).
 */
@ApplicationScoped
public class Staffing {
    private static final Pattern EMAIL = Pattern.compile("[\\w.+-]+@[\\w-]+(\\.[\\w-]+)+");
    private static final Pattern PHONE = Pattern.compile("\\+?\\d[\\d ()-]{6,}\\d");

    private final Teams teams;

    Staffing(Teams teams) {
        this.teams = teams;
    }

    public boolean open(Teams.Team team, OffsetDateTime at) {
        return team.hours().isOpen(at.toZonedDateTime());
    }

    /** The team's hours as configured, with the time zone: what the bot tells customers. */
    public String hours(Teams.Team team) {
        return team.hours().describe();
    }

    /** The customer's place in their team's queue (1 = next) and the wait it means, in whole minutes. */
    public record Place(long position, long minutes) {
    }

    /**
     * Where a conversation handed over at {@code handedOver} stands in its team's queue: behind the urgent ones (unless
     * urgent itself) and everyone of its urgency waiting since before.
     */
    public Uni<Place> place(SqlClient sql, Teams.Team team, UUID conversation, OffsetDateTime handedOver, boolean urgent) {
        return sql.preparedQuery("""
                        SELECT count(*) AS ahead FROM conversation
                        WHERE status = 'WAITING_FOR_AGENT' AND asking IS NULL AND id <> $3
                          AND CASE WHEN team = ANY($6) THEN team ELSE $2 END = $1
                          AND (coalesce(urgency = 'HIGH', false) AND NOT $5
                               OR coalesce(urgency = 'HIGH', false) = $5 AND handed_over_time < $4)""")
                .execute(Tuple.from(List.of(team.name(), teams.of(null).name(), conversation, handedOver, urgent, teams.names())))
                .map(rows -> {
                    long position = rows.iterator().next().getLong("ahead") + 1;
                    // the team's people work through its queue together
                    long minutes = Math.max(1, (long) Math.ceil(position * team.handlingTime().toSeconds() / (60.0 * team.agents())));
                    return new Place(position, minutes);
                });
    }

    /**
     * How to reach the customer about their ticket: an email address anywhere in what they wrote, or a message that
     * is mostly a phone number (an order number or a date in a sentence is not one).
     */
    public static String contact(String text) {
        Matcher email = EMAIL.matcher(text);
        if (email.find()) {
            return email.group();
        }
        Matcher phone = PHONE.matcher(text);
        if (!phone.find()) {
            return null;
        }
        String number = phone.group().strip();
        long digits = number.chars().filter(Character::isDigit).count();
        boolean mostly = number.length() >= text.replaceAll("[^\\p{L}\\p{N}+]", "").length() * 0.6;
        return digits >= 8 && digits <= 15 && !number.matches("\\d{4}-\\d{2}-\\d{2}") && mostly ? number : null;
    }
}
