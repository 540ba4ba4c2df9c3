-- How a conversation ended and what the customer thought of it.
ALTER TABLE conversation ADD COLUMN resolved_by text;
ALTER TABLE conversation ADD COLUMN satisfaction int CHECK (satisfaction BETWEEN 1 AND 5);
ALTER TABLE conversation ADD COLUMN satisfaction_comment text;
CREATE INDEX conversation_open ON conversation (update_time) WHERE status IN ('WITH_BOT', 'WAITING_FOR_AGENT');

-- The outbox of chat.conversations: written in the transaction that changed the conversation, published (at least
-- once, oldest first) by ConversationEvents.
CREATE TABLE conversation_event (
    seq             bigserial   PRIMARY KEY,
    id              uuid        NOT NULL UNIQUE,
    conversation_id uuid        NOT NULL REFERENCES conversation (id) ON DELETE CASCADE,
    kind            text        NOT NULL,
    event_time      timestamptz NOT NULL,
    satisfaction    int         NOT NULL DEFAULT 0,
    bad_experience  boolean     NOT NULL DEFAULT false,
    published       boolean     NOT NULL DEFAULT false
);
CREATE INDEX conversation_event_unpublished ON conversation_event (seq) WHERE NOT published;
