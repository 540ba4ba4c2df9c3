-- One row per recipient of a broadcast: planned when the audience is drawn, claimed with a lease while sending
-- (a sender that dies leaves it to be claimed again after the lease), then sent, skipped (with why) or failed.
ALTER TABLE campaign ADD COLUMN audience_drawn boolean NOT NULL DEFAULT false;

CREATE TABLE delivery (
    campaign_id       uuid        NOT NULL REFERENCES campaign (id),
    profile_id        uuid        NOT NULL,
    status            text        NOT NULL,
    reason            text,
    variant           int,
    attempts          int         NOT NULL DEFAULT 0,
    due_time          timestamptz NOT NULL DEFAULT now(),
    plan_time         timestamptz NOT NULL DEFAULT now(),
    send_time         timestamptz,
    PRIMARY KEY (campaign_id, profile_id)
);
CREATE INDEX delivery_due ON delivery (due_time) WHERE status IN ('planned', 'sending');
