-- The split paths a run took, by name, in order (" › " between them): the delivery summary counts runs by path.
ALTER TABLE journey_run ADD COLUMN path text;

-- An update_attribute step's write to the person's profile, planned with the run's move (in its transaction) and
-- carried out by profile-service's UpdateAttributes afterwards, until it is applied or refused: the run does not wait
-- for it, and a restart loses none. value is the attribute's new value (its data category is the attribute's own).
CREATE TABLE attribute_update (
    run_id            uuid        NOT NULL REFERENCES journey_run (id) ON DELETE CASCADE,
    -- The order they were planned in: one person's updates of one attribute are applied in that order, one at a time.
    seq               bigserial   NOT NULL,
    step              int         NOT NULL,
    campaign_id       uuid        NOT NULL,
    profile_id        uuid        NOT NULL,
    attribute         text        NOT NULL,
    value             jsonb       NOT NULL,
    -- pending (to be applied at next_attempt_time), applied, refused (profile-service said why: detail).
    state             text        NOT NULL DEFAULT 'pending',
    attempts          int         NOT NULL DEFAULT 0,
    detail            text,
    next_attempt_time timestamptz NOT NULL,
    PRIMARY KEY (run_id, step)
);
CREATE INDEX attribute_update_due ON attribute_update (next_attempt_time) WHERE state = 'pending';
CREATE INDEX attribute_update_by_profile ON attribute_update (profile_id, attribute, seq);
