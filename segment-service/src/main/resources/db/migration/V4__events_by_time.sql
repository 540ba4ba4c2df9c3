-- "Last seen within 3 days" reads only the events near its bounds, of any name.
CREATE INDEX event_by_time ON event (occur_time) INCLUDE (profile_id);
