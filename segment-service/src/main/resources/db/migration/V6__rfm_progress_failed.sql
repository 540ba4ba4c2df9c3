-- A run that failed ends too (finished), saying so, with the percentage it reached.
ALTER TABLE rfm_progress ADD COLUMN failed boolean NOT NULL DEFAULT false;
