-- The consent ledger: every grant and withdrawal as it was recorded, never changed afterwards (a withdrawal is a new
-- record). The subject is the profile id in clear: the ledger is the proof of a person's own decisions.
CREATE TABLE consent_record (
    id             bigserial   PRIMARY KEY,
    subject        text        NOT NULL,
    purpose        text        NOT NULL,
    channel        text        NOT NULL,
    data_category  text        NOT NULL,
    granted        boolean     NOT NULL,
    decision_time  timestamptz NOT NULL,
    method         text        NOT NULL,
    notice_version text        NOT NULL,
    jurisdiction   text        NOT NULL,
    recorded_by    text        NOT NULL,
    record_time    timestamptz NOT NULL DEFAULT now(),
    request_id     text,
    CHECK ((purpose = '') <> (data_category = '')),
    -- A caller's idempotency key names one record.
    UNIQUE (recorded_by, request_id)
);
CREATE INDEX consent_record_subject ON consent_record (subject, id DESC);

CREATE FUNCTION consent_record_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the consent ledger is append-only: record a new decision instead';
END $$;
CREATE TRIGGER consent_record_append_only BEFORE UPDATE OR DELETE ON consent_record
    FOR EACH ROW EXECUTE FUNCTION consent_record_is_append_only();

-- One row per person: their jurisdiction, a version that grows with every record (it orders the states on
-- privacy.consent), and the version last published. Updating it also serialises one person's concurrent records.
CREATE TABLE consent_subject (
    subject           text   PRIMARY KEY,
    jurisdiction      text   NOT NULL,
    version           bigint NOT NULL,
    published_version bigint NOT NULL DEFAULT 0
);
-- The outbox: states not yet on privacy.consent (after a crash or while Kafka was away).
CREATE INDEX consent_subject_unpublished ON consent_subject (subject) WHERE published_version < version;
