-- A run rewrites only the scores that changed: the time on a score is the run that last changed it.
ALTER TABLE rfm_score RENAME COLUMN compute_time TO change_time;
