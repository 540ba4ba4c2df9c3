-- A data-subject request also finds the conversations a signed-in customer started before they had a profile (held
-- under their visitor id): without a scan.
CREATE INDEX conversation_visitor ON conversation (visitor_id) WHERE visitor_id IS NOT NULL;
