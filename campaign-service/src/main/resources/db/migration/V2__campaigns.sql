-- Campaign definitions. The variants, fallbacks and default locale are stored as the API gives them (protobuf JSON);
-- status and version are columns because the lifecycle and concurrent edits are decided on them.
CREATE TABLE campaign (
    id           uuid        PRIMARY KEY,
    name         text        NOT NULL,
    purpose      text        NOT NULL,
    channel      text        NOT NULL,
    segment_id   uuid,
    priority     int         NOT NULL,
    status       text        NOT NULL,
    messages     jsonb       NOT NULL,
    version      bigint      NOT NULL,
    create_time  timestamptz NOT NULL DEFAULT now(),
    update_time  timestamptz NOT NULL DEFAULT now(),
    request_id   text        UNIQUE
);
CREATE INDEX campaign_by_time ON campaign (create_time DESC, id);
