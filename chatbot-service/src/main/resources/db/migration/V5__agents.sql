-- People taking over from the bot: who holds a conversation, and since when it waits for one.
ALTER TABLE conversation ADD COLUMN agent text;
ALTER TABLE conversation ADD COLUMN handed_over_time timestamptz;
CREATE INDEX conversation_waiting ON conversation (handed_over_time) WHERE status = 'WAITING_FOR_AGENT';
