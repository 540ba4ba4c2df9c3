-- A delivery moved to the person's best hour (or past quiet hours) once: when it comes due it is not moved again for
-- the best hour (a histogram that changed meanwhile must not push it on day after day).
ALTER TABLE delivery ADD COLUMN deferred boolean NOT NULL DEFAULT false;
