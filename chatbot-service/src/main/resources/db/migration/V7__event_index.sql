-- Erasing a conversation cascades to its events: find them without scanning the outbox.
CREATE INDEX conversation_event_conversation ON conversation_event (conversation_id);
