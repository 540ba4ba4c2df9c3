-- Support conversations: who (a profile or an anonymous visitor), the bot's dialogue state, and every message.
CREATE TABLE conversation (
    id              uuid        PRIMARY KEY,
    request_id      text        UNIQUE,
    profile_id      uuid,
    visitor_id      text,
    language        text        NOT NULL,
    status          text        NOT NULL,
    handover_reason text,
    dialogue        jsonb       NOT NULL,
    start_time      timestamptz NOT NULL,
    update_time     timestamptz NOT NULL,
    CHECK (profile_id IS NOT NULL OR visitor_id IS NOT NULL)
);
CREATE INDEX conversation_profile ON conversation (profile_id) WHERE profile_id IS NOT NULL;

CREATE TABLE chat_message (
    conversation_id   uuid        NOT NULL REFERENCES conversation (id) ON DELETE CASCADE,
    seq               int         NOT NULL,
    id                uuid        NOT NULL UNIQUE,
    -- the client's id for a customer's message (a retry finds it); for a reply, the seq of the message it answers
    client_message_id text,
    reply_to          int,
    author            text        NOT NULL,
    text              text        NOT NULL,
    article_id        text,
    choices           jsonb,
    time              timestamptz NOT NULL,
    PRIMARY KEY (conversation_id, seq),
    UNIQUE (conversation_id, client_message_id)
);
