-- A data-subject request finds one person's deliveries (erasure, its check, the export) without scanning every broadcast.
CREATE INDEX delivery_by_profile ON delivery (profile_id);
