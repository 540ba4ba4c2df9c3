-- How many times an erasure's verification found something and sent the erasure again: after a few rounds the request
-- stops for review instead of erasing forever.
ALTER TABLE privacy_request ADD COLUMN verify_rounds int NOT NULL DEFAULT 0;
