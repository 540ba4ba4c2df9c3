-- Triggered campaigns: the journey (trigger, steps, exit events, re-entry) as the API gives it (protobuf JSON).
ALTER TABLE campaign ADD COLUMN journey jsonb;

-- One person's way through a journey. Its timer is due_time: a sender claims due runs with a lease, as it claims
-- deliveries, so a restart loses no one and fires each timer once (a step's effects and the move to the next step
-- commit together).
CREATE TABLE journey_run (
    id               uuid        PRIMARY KEY,
    campaign_id      uuid        NOT NULL REFERENCES campaign (id),
    profile_id       uuid        NOT NULL,
    -- The event that started the run: the same event read twice starts one run.
    trigger_event_id text        NOT NULL,
    -- Its properties (user.behavior): `event` in the message's templates.
    trigger_properties jsonb     NOT NULL,
    entry_time       timestamptz NOT NULL,
    -- running (its step is due at due_time), waiting (for an event until due_time), completed, exited.
    status           text        NOT NULL,
    step             int         NOT NULL,
    step_time        timestamptz NOT NULL,
    due_time         timestamptz,
    exit_reason      text,
    end_time         timestamptz,
    UNIQUE (campaign_id, trigger_event_id)
);
-- Nobody is in one journey twice at the same time.
CREATE UNIQUE INDEX journey_run_one_at_a_time ON journey_run (campaign_id, profile_id) WHERE status IN ('running', 'waiting');
CREATE INDEX journey_run_due ON journey_run (due_time) WHERE status IN ('running', 'waiting');
CREATE INDEX journey_run_by_profile ON journey_run (profile_id);

-- A journey may message one person more than once (each run, each send step): a delivery is one occasion of a
-- campaign for a person. A broadcast's only occasion is ''; a journey's is "<run id>/<step>".
ALTER TABLE delivery ADD COLUMN occasion text NOT NULL DEFAULT '';
ALTER TABLE delivery ADD COLUMN trigger_properties jsonb;
ALTER TABLE delivery DROP CONSTRAINT delivery_pkey;
ALTER TABLE delivery ADD PRIMARY KEY (campaign_id, profile_id, occasion);
