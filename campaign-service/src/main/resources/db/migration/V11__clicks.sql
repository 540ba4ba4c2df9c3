-- Tracked links followed (RecordClick): the first time and how many times; the first click is announced on
-- campaign.deliveries (CLICKED) through the same outbox as the outcome (click_published false until it is).
ALTER TABLE delivery ADD COLUMN clicked_time timestamptz;
ALTER TABLE delivery ADD COLUMN clicks int NOT NULL DEFAULT 0;
ALTER TABLE delivery ADD COLUMN click_published boolean NOT NULL DEFAULT true;
CREATE INDEX delivery_clicks_unpublished ON delivery (campaign_id) WHERE NOT click_published;
