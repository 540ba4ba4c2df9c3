-- Segments are computed set-based: the events of a name in a time range are read in one pass, grouped by profile.
CREATE INDEX event_by_name ON event (name, occur_time) INCLUDE (profile_id);
