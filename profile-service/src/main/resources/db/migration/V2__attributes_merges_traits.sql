-- Attributes (typed by their definitions), the versioned history of every change, merges, and the traits kept
-- current as events arrive. No foreign keys on the trait tables: they are written in every ingestion batch.

-- version: increases with every change of attributes or identifiers. merged_into: this profile was merged into
-- another (chains are flattened: it always names the final survivor); such a profile holds nothing any more.
ALTER TABLE profile ADD COLUMN version bigint NOT NULL DEFAULT 0;
ALTER TABLE profile ADD COLUMN merged_into uuid;
CREATE INDEX profile_merged_into ON profile (merged_into) WHERE merged_into IS NOT NULL;

ALTER TABLE event ADD COLUMN context jsonb;

-- Custom attributes, declared through the API. Immutable once created (a value's meaning must not change under it).
CREATE TABLE attribute_definition (
    name          text PRIMARY KEY,
    type          text        NOT NULL,
    data_category text        NOT NULL,
    merge_rule    text        NOT NULL,
    description   text        NOT NULL,
    max_length    integer     NOT NULL,
    create_time   timestamptz NOT NULL
);

CREATE TABLE attribute_value (
    profile_id  uuid        NOT NULL REFERENCES profile (id),
    name        text        NOT NULL,
    value       jsonb       NOT NULL,
    update_time timestamptz NOT NULL,
    source      text        NOT NULL,
    PRIMARY KEY (profile_id, name)
);

-- One row per version of a profile: [{"attribute", "old", "new"}].
CREATE TABLE profile_version (
    profile_id  uuid        NOT NULL,
    version     bigint      NOT NULL,
    change_time timestamptz NOT NULL,
    source      text        NOT NULL,
    changes     jsonb       NOT NULL,
    PRIMARY KEY (profile_id, version)
);

-- Who was merged into whom, when and why. events_moved: the merged profile's event rows now carry the survivor's
-- id (moved in small batches after the merge, so that a merge of a long history never holds up ingestion).
CREATE TABLE profile_merge (
    merged_profile_id    uuid PRIMARY KEY,
    surviving_profile_id uuid        NOT NULL,
    merge_time           timestamptz NOT NULL,
    reason               text        NOT NULL,
    source               text        NOT NULL,
    events_moved         boolean     NOT NULL DEFAULT false
);
CREATE INDEX profile_merge_survivor ON profile_merge (surviving_profile_id);
CREATE INDEX profile_merge_pending ON profile_merge (merge_time) WHERE NOT events_moved;

-- Traits. All additive (counts, sums, least/greatest), so a merge adds the merged profile's rows into the survivor's.
CREATE TABLE activity (
    profile_id    uuid PRIMARY KEY,
    first_seen    timestamptz NOT NULL,
    last_seen     timestamptz NOT NULL,
    event_count   bigint      NOT NULL,
    location      jsonb,
    location_time timestamptz,
    locale        text,
    locale_time   timestamptz
);

-- Events per name and UTC day: rolling-window counts.
CREATE TABLE event_day (
    profile_id uuid   NOT NULL,
    name       text   NOT NULL,
    day        date   NOT NULL,
    count      bigint NOT NULL,
    PRIMARY KEY (profile_id, name, day)
);

CREATE TABLE purchase (
    profile_id uuid        NOT NULL,
    currency   text        NOT NULL,
    count      bigint      NOT NULL,
    total      numeric     NOT NULL,
    first_time timestamptz NOT NULL,
    last_time  timestamptz NOT NULL,
    PRIMARY KEY (profile_id, currency)
);

-- Engagement by hour of the week (0 = Monday 00:00) in the profile's time zone when the event arrived; recomputed
-- from the events when the time zone changes.
CREATE TABLE engagement_hour (
    profile_id   uuid     NOT NULL,
    hour_of_week smallint NOT NULL,
    count        bigint   NOT NULL,
    PRIMARY KEY (profile_id, hour_of_week)
);

-- Support conversations from chat.conversations: the latest state of each (a record read twice changes nothing).
CREATE TABLE support_conversation (
    conversation_id text PRIMARY KEY,
    profile_id      uuid        NOT NULL,
    outcome         text        NOT NULL,
    event_time      timestamptz NOT NULL,
    satisfaction    integer     NOT NULL,
    bad_experience  boolean     NOT NULL
);
CREATE INDEX support_conversation_profile ON support_conversation (profile_id, event_time DESC);

-- What other services did with a profile, for its timeline: campaign deliveries, support conversation steps.
CREATE TABLE timeline_entry (
    id         text PRIMARY KEY,
    profile_id uuid        NOT NULL,
    kind       text        NOT NULL,
    entry_time timestamptz NOT NULL,
    summary    jsonb       NOT NULL
);
CREATE INDEX timeline_entry_profile_time ON timeline_entry (profile_id, entry_time DESC, id DESC);
