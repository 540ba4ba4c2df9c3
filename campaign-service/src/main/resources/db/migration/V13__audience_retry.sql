-- A broadcast whose audience could not be drawn (its segment gone, segment-service away) is tried again later, after
-- the others: one that keeps failing never holds back the rest.
ALTER TABLE campaign ADD COLUMN audience_retry_time timestamptz;
