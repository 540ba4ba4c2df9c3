-- Data-subject requests and each service's part in them. A request names its subject by profile id while it is
-- carried out; once an erasure is verified the id and the identifiers are cleared and only the keyed hash (as the
-- audit trail has it) stays, with the record of what was done.
CREATE TABLE privacy_request (
    id               uuid        PRIMARY KEY,
    kind             text        NOT NULL,
    subject          text,
    subject_hash     text        NOT NULL,
    -- [{"type": "EMAIL", "value": "..."}]: what the person was known by when the request was opened.
    identifiers      jsonb       NOT NULL DEFAULT '[]',
    status           text        NOT NULL,
    regime           text        NOT NULL,
    jurisdiction     text        NOT NULL,
    opened_by        text        NOT NULL,
    opened_by_role   text        NOT NULL,
    verification     text        NOT NULL,
    received_time    timestamptz NOT NULL,
    deadline         timestamptz NOT NULL,
    extension_reason text,
    completed_time   timestamptz,
    outcome          text,
    request_key      text,
    UNIQUE (opened_by, request_key)
);
CREATE INDEX privacy_request_subject ON privacy_request (subject_hash, received_time DESC);
CREATE INDEX privacy_request_open ON privacy_request (received_time) WHERE status <> 'completed';

-- step: carry_out (the request itself) or verify (an erasure's search for what is left).
-- state: pending (to be sent), sent, started, completed, failed (to be sent again at next_attempt_time).
CREATE TABLE privacy_request_part (
    request_id        uuid        NOT NULL REFERENCES privacy_request (id),
    service           text        NOT NULL,
    step              text        NOT NULL,
    state             text        NOT NULL,
    attempts          int         NOT NULL DEFAULT 0,
    records           bigint      NOT NULL DEFAULT 0,
    detail            text,
    updated_time      timestamptz NOT NULL DEFAULT now(),
    next_attempt_time timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (request_id, service, step)
);
CREATE INDEX privacy_request_part_due ON privacy_request_part (next_attempt_time) WHERE state <> 'completed';

-- An erased person's consent: the ledger keeps the records (the proof of their decisions), privacy.consent gets a
-- tombstone for them instead of a state.
ALTER TABLE consent_subject ADD COLUMN erased boolean NOT NULL DEFAULT false;
