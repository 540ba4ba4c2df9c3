-- A campaign activated before its start_time is SCHEDULED until then (the campaign clock makes it ACTIVE).
ALTER TABLE campaign ADD COLUMN start_time timestamptz;
CREATE INDEX campaign_scheduled ON campaign (start_time) WHERE status = 'SCHEDULED';
