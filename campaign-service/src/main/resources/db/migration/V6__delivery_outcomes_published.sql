-- Each delivery's outcome (sent, skipped, failed) is announced on campaign.deliveries from here, at least once: the row
-- is marked when its outcome is recorded and unmarked once published (profile-service's timeline is idempotent on it).
ALTER TABLE delivery ADD COLUMN published boolean NOT NULL DEFAULT true;
CREATE INDEX delivery_unpublished ON delivery (campaign_id) WHERE NOT published;
