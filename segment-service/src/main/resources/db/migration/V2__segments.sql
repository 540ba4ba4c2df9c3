-- segment-service's own projection of profiles (from profile.changes), their events (from profile.events) and their
-- consent (from privacy.consent): what segment definitions are evaluated on, in Java for one profile (real time) and
-- compiled to SQL for everyone (batch). No other service's tables are read.

CREATE TABLE profile (
    profile_id uuid   PRIMARY KEY,
    -- Highest profile.changes version applied: a record read twice, or an older one, changes nothing.
    version    bigint NOT NULL DEFAULT 0,
    -- Attribute name -> value as profile-service validated it (protobuf JSON of google.protobuf.Value).
    attributes jsonb  NOT NULL DEFAULT '{}'
);

-- Every stored event once (the event id claims it), under the profile that holds it now.
CREATE TABLE event (
    event_id   text        PRIMARY KEY,
    profile_id uuid        NOT NULL,
    name       text        NOT NULL,
    occur_time timestamptz NOT NULL,
    properties jsonb       NOT NULL DEFAULT '{}'
);
CREATE INDEX event_by_profile ON event (profile_id, name, occur_time);

-- Event ids are claimed by the event table now.
DROP TABLE counted_event;

-- A merged profile's id keeps pointing at its survivor: an event still in flight under the old id lands on the survivor.
CREATE TABLE merged_profile (
    profile_id   uuid PRIMARY KEY,
    survivor_id  uuid NOT NULL
);

-- The current consent of each person (the compacted privacy.consent topic): purpose, or "purpose/channel" -> granted.
CREATE TABLE consent (
    subject   text   PRIMARY KEY,
    version   bigint NOT NULL,
    decisions jsonb  NOT NULL
);

CREATE TABLE segment (
    segment_id  uuid        PRIMARY KEY,
    name        text        NOT NULL,
    description text        NOT NULL DEFAULT '',
    purpose     text        NOT NULL,
    version     bigint      NOT NULL,
    definition  jsonb       NOT NULL,
    -- The types of the attributes the definition names, as profile-service declared them when it was saved (they
    -- never change): a stored definition is read again without asking profile-service.
    attribute_types jsonb   NOT NULL,
    create_time timestamptz NOT NULL,
    update_time timestamptz NOT NULL
);
CREATE UNIQUE INDEX segment_by_name ON segment (name, segment_id);

CREATE TABLE segment_version (
    segment_id  uuid        NOT NULL REFERENCES segment ON DELETE CASCADE,
    version     bigint      NOT NULL,
    purpose     text        NOT NULL,
    definition  jsonb       NOT NULL,
    change_time timestamptz NOT NULL,
    PRIMARY KEY (segment_id, version)
);

-- Who is in each segment now: matched the definition and has a basis for the segment's purpose.
CREATE TABLE membership (
    segment_id uuid        NOT NULL REFERENCES segment ON DELETE CASCADE,
    profile_id uuid        NOT NULL,
    enter_time timestamptz NOT NULL,
    PRIMARY KEY (segment_id, profile_id)
);
CREATE INDEX membership_by_profile ON membership (profile_id);

-- The size after each full computation.
CREATE TABLE segment_size (
    segment_id      uuid        NOT NULL REFERENCES segment ON DELETE CASCADE,
    measure_time    timestamptz NOT NULL,
    segment_version bigint      NOT NULL,
    members         bigint      NOT NULL,
    withdrawn       bigint      NOT NULL,
    undecided       bigint      NOT NULL,
    PRIMARY KEY (segment_id, measure_time)
);

-- Dot-separated numeric versions compared part by part, missing parts as 0 ("2.10" > "2.9", "1.2" = "1.2.0");
-- NULL when either is not such a version. The Java evaluator implements the same rule (Versions.compare).
CREATE FUNCTION version_cmp(a text, b text) RETURNS integer LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN a !~ '^[0-9]{1,9}(\.[0-9]{1,9}){0,4}$' OR b !~ '^[0-9]{1,9}(\.[0-9]{1,9}){0,4}$' THEN NULL ELSE (
        SELECT COALESCE((SELECT sign(x - y)::integer FROM (
            SELECT COALESCE(pa[i]::bigint, 0) AS x, COALESCE(pb[i]::bigint, 0) AS y, i
            FROM (SELECT string_to_array(a, '.') AS pa, string_to_array(b, '.') AS pb) parts,
                 generate_series(1, 5) AS i) d WHERE x <> y ORDER BY i LIMIT 1), 0)) END
$$;

-- Great-circle distance in km (haversine, mean Earth radius 6371.0088 km); the Java evaluator uses the same formula.
CREATE FUNCTION distance_km(lat1 double precision, lon1 double precision, lat2 double precision, lon2 double precision)
    RETURNS double precision LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT 2 * 6371.0088 * asin(sqrt(
        power(sin(radians(lat2 - lat1) / 2), 2) + cos(radians(lat1)) * cos(radians(lat2)) * power(sin(radians(lon2 - lon1) / 2), 2)))
$$;

-- RFM: one model (window, currency, named-segment rules), every purchasing profile's scores, and each run's record.
CREATE TABLE rfm_model (
    id          boolean     PRIMARY KEY DEFAULT true CHECK (id),
    time_window interval    NOT NULL,
    currency    text        NOT NULL,
    -- [{"name": "Champions", "recency": [4, 5], "frequency": [4, 5], "monetary": [3, 5]}, …]: first match wins.
    rules       jsonb       NOT NULL,
    update_time timestamptz NOT NULL
);

CREATE TABLE rfm_score (
    profile_id    uuid        PRIMARY KEY,
    recency       smallint    NOT NULL,
    frequency     smallint    NOT NULL,
    monetary      smallint    NOT NULL,
    segment       text        NOT NULL,
    last_purchase timestamptz NOT NULL,
    purchases     bigint      NOT NULL,
    total         numeric     NOT NULL,
    compute_time  timestamptz NOT NULL
);

CREATE TABLE rfm_run (
    compute_time    timestamptz PRIMARY KEY,
    profiles_scored bigint      NOT NULL,
    duration_ms     bigint      NOT NULL,
    segment_sizes   jsonb       NOT NULL,
    transitions     jsonb       NOT NULL
);

-- Profiles erased by a data-subject request: their late events and re-read changes are dropped, never stored again.
-- Only the random profile id is kept (nothing that identifies the person without profile-service's records, which
-- are gone too).
CREATE TABLE erased_profile (
    profile_id uuid        PRIMARY KEY,
    erase_time timestamptz NOT NULL DEFAULT now()
);
