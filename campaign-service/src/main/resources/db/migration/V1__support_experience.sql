-- The last bad support experience of each person: campaigns hold marketing back after one.
-- Kept as "the latest time", so a record read twice (or out of order) changes nothing.
CREATE TABLE support_experience (
    profile_id               uuid        PRIMARY KEY,
    last_bad_experience_time timestamptz NOT NULL,
    conversation_id          text        NOT NULL
);
