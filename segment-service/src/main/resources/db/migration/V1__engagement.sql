-- What segment-service knows of each profile's activity: the input of engagement and lifecycle segments.
CREATE TABLE engagement (
    profile_id      uuid        PRIMARY KEY,
    event_count     bigint      NOT NULL,
    first_seen_time timestamptz NOT NULL,
    last_seen_time  timestamptz NOT NULL,
    last_event_name text        NOT NULL
);

-- Events already counted: a record read twice changes nothing the second time.
CREATE TABLE counted_event (
    event_id   text        PRIMARY KEY,
    count_time timestamptz NOT NULL DEFAULT now()
);
