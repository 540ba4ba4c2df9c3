package dev.rapport.chatbot.support;

import java.time.Duration;
import java.time.OffsetDateTime;
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

    private final OpeningHours hours;
    private final Duration handlingTime;
    private final int agents;

    Staffing(SupportConfig config) {
        this.hours = OpeningHours.parse(config.hours(), config.timeZone());
        this.handlingTime = config.handlingTime();
        this.agents = Math.max(1, config.agents());
    }

    public boolean open(OffsetDateTime at) {
        return hours.isOpen(at.toZonedDateTime());
    }

    public String hours() {
        return hours.describe();
    }

    /** The customer's place in the queue (1 = next) and the wait it means, in whole minutes. */
    public record Place(long position, long minutes) {
    }

    /** Where a conversation handed over now stands: behind everyone waiting since before. */
    public Uni<Place> place(SqlClient sql, OffsetDateTime handedOver) {
        return sql.preparedQuery("SELECT count(*) AS ahead FROM conversation WHERE status = 'WAITING_FOR_AGENT' AND handed_over_time < $1")
                .execute(Tuple.of(handedOver))
                .map(rows -> {
                    long position = rows.iterator().next().getLong("ahead") + 1;
                    // the people answering work through the queue together
                    long minutes = Math.max(1, (long) Math.ceil(position * handlingTime.toSeconds() / (60.0 * agents)));
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
