-- Every read or write of personal data through the gateway: who, about whom, for what purpose.
-- The subject is a keyed hash of the profile id: the log answers "who touched this person?" for someone who
-- holds the id, and names no one to someone who reads it.
CREATE TABLE audit_event (
    id          bigserial   PRIMARY KEY,
    occur_time  timestamptz NOT NULL DEFAULT now(),
    actor       text        NOT NULL,
    actor_roles text[]      NOT NULL,
    operation   text        NOT NULL,
    purpose     text        NOT NULL,
    subject     text,
    outcome     text        NOT NULL
);
CREATE INDEX audit_event_subject ON audit_event (subject, occur_time);
