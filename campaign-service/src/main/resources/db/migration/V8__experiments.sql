-- Experiments: the arm each recipient was assigned (by a hash of the campaign and the person, so it never changes) and
-- when they converted (the experiment's conversion event within its window after the message, or after the moment the
-- control group would have got it: send_time of a held_out delivery).
ALTER TABLE delivery ADD COLUMN arm int;
ALTER TABLE delivery ADD COLUMN converted_time timestamptz;
