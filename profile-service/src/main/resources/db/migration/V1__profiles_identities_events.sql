-- One profile per customer; identifiers find it; events are what the customer did.
CREATE TABLE profile (
    id          uuid PRIMARY KEY,
    create_time timestamptz NOT NULL,
    update_time timestamptz NOT NULL
);

-- Deferred: the identity row claims (type, value) first, then the profile it points to is created in the same
-- transaction. That makes "find or create" one atomic statement under concurrency.
CREATE TABLE identity (
    type        text        NOT NULL,
    value       text        NOT NULL,
    profile_id  uuid        NOT NULL REFERENCES profile (id) DEFERRABLE INITIALLY DEFERRED,
    create_time timestamptz NOT NULL,
    PRIMARY KEY (type, value)
);
CREATE INDEX identity_profile ON identity (profile_id);

CREATE TABLE event (
    id           text        PRIMARY KEY,
    profile_id   uuid        NOT NULL REFERENCES profile (id),
    name         text        NOT NULL,
    occur_time   timestamptz NOT NULL,
    receive_time timestamptz NOT NULL,
    source       text        NOT NULL,
    properties   jsonb       NOT NULL DEFAULT '{}'
);
CREATE INDEX event_profile_time ON event (profile_id, occur_time DESC, id DESC);
