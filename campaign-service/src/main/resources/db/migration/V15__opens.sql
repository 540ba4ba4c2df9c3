-- Open images shown (RecordOpen, track_opens): the first time and how many times; the first open is announced on
-- campaign.deliveries (OPENED) through the same outbox as the outcome and the first click.
ALTER TABLE delivery ADD COLUMN opened_time timestamptz;
ALTER TABLE delivery ADD COLUMN opens int NOT NULL DEFAULT 0;
ALTER TABLE delivery ADD COLUMN open_published boolean NOT NULL DEFAULT true;
CREATE INDEX delivery_opens_unpublished ON delivery (campaign_id) WHERE NOT open_published;
