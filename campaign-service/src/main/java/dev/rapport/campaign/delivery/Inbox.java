package dev.rapport.campaign.delivery;

import java.util.UUID;

import jakarta.enterprise.context.ApplicationScoped;

import dev.rapport.proto.campaign.v1.InboxMessage;
import dev.rapport.proto.campaign.v1.ListInboxRequest;
import dev.rapport.proto.campaign.v1.ListInboxResponse;
import dev.rapport.proto.campaign.v1.MarkInboxReadRequest;
import dev.rapport.runtime.Ids;
import dev.rapport.runtime.error.InvalidInput;
import dev.rapport.runtime.error.NotFound;
import dev.rapport.runtime.event.Envelopes;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;

/**
 * The in-app inbox: the in_app channel's messages, kept for the person's app to read through the API (newest first,
 * unread counted) and mark read. Delivering one is writing its row in the sender's transaction.
 */
@ApplicationScoped
public class Inbox {
    private static final String COLUMNS = "message_id, campaign_id, title, body, create_time, read_time";
    private final Pool pool;

    Inbox(Pool pool) {
        this.pool = pool;
    }

    /** Puts a message in the person's inbox (the same message again changes nothing). */
    Uni<Void> deliver(SqlClient tx, UUID profile, String messageId, UUID campaign, String title, String body) {
        return tx.preparedQuery("""
                INSERT INTO inbox_message (profile_id, message_id, campaign_id, title, body) VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT DO NOTHING""").execute(Tuple.of(profile, messageId, campaign, title, body)).replaceWithVoid();
    }

    /** Newest first; the page token is the last message's create time and id. */
    public Uni<ListInboxResponse> list(ListInboxRequest request) {
        UUID profile = Ids.profile("profile_id", request.getProfileId());
        if (request.getPageSize() < 0 || request.getPageSize() > 100) {
            throw new InvalidInput("page_size", "from 1 to 100 (0 for the default, 20)");
        }
        int size = request.getPageSize() == 0 ? 20 : request.getPageSize();
        String after = request.getPageToken().isEmpty() ? null : request.getPageToken();
        return pool.preparedQuery("SELECT " + COLUMNS + """
                         FROM inbox_message WHERE profile_id = $1 AND (NOT $2 OR read_time IS NULL)
                          AND ($3::text IS NULL OR (create_time, message_id) < (SELECT create_time, message_id FROM inbox_message
                                                                                WHERE profile_id = $1 AND message_id = $3))
                        ORDER BY create_time DESC, message_id DESC LIMIT $4""")
                .execute(Tuple.of(profile, request.getUnreadOnly(), after, size + 1))
                .flatMap(rows -> pool.preparedQuery("SELECT count(*) AS n FROM inbox_message WHERE profile_id = $1 AND read_time IS NULL")
                        .execute(Tuple.of(profile))
                        .map(unread -> {
                            ListInboxResponse.Builder page = ListInboxResponse.newBuilder().setUnread(unread.iterator().next().getLong("n"));
                            for (Row row : rows) {
                                if (page.getMessagesCount() == size) {
                                    page.setNextPageToken(page.getMessages(size - 1).getMessageId());
                                    break;
                                }
                                page.addMessages(message(row));
                            }
                            return page.build();
                        }));
    }

    public Uni<InboxMessage> markRead(MarkInboxReadRequest request) {
        UUID profile = Ids.profile("profile_id", request.getProfileId());
        return pool.preparedQuery("UPDATE inbox_message SET read_time = COALESCE(read_time, now()) WHERE profile_id = $1 AND message_id = $2 RETURNING "
                        + COLUMNS)
                .execute(Tuple.of(profile, request.getMessageId()))
                .map(rows -> {
                    if (rows.size() == 0) {
                        throw new NotFound("no inbox message " + request.getMessageId());
                    }
                    return message(rows.iterator().next());
                });
    }

    public static InboxMessage message(Row row) {
        InboxMessage.Builder message = InboxMessage.newBuilder().setMessageId(row.getString("message_id"))
                .setCampaignId(row.getUUID("campaign_id").toString()).setTitle(row.getString("title")).setBody(row.getString("body"))
                .setCreateTime(Envelopes.timestamp(row.getOffsetDateTime("create_time").toInstant()));
        if (row.getOffsetDateTime("read_time") != null) {
            message.setReadTime(Envelopes.timestamp(row.getOffsetDateTime("read_time").toInstant()));
        }
        return message.build();
    }
}
