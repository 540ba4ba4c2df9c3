-- The in-app inbox: in_app messages as the app reads them through the API (the channel's "send" is this row, written
-- in the sender's transaction with the delivery's outcome: one message, never two).
CREATE TABLE inbox_message (
    profile_id  uuid        NOT NULL,
    message_id  text        NOT NULL,
    campaign_id uuid        NOT NULL REFERENCES campaign (id),
    title       text        NOT NULL,
    body        text        NOT NULL,
    create_time timestamptz NOT NULL DEFAULT now(),
    read_time   timestamptz,
    PRIMARY KEY (profile_id, message_id)
);
CREATE INDEX inbox_newest ON inbox_message (profile_id, create_time DESC, message_id);
