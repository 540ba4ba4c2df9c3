-- Teams: what an article is about routes a hand-over after it; a conversation waits in one team's queue, with what the
-- bot asked on the way (topic, urgency), what the support purpose may see of the customer, and agents' transfer notes.
ALTER TABLE article ADD COLUMN topic text;
ALTER TABLE conversation ADD COLUMN team text;
ALTER TABLE conversation ADD COLUMN routed_by text;
ALTER TABLE conversation ADD COLUMN topic text;
ALTER TABLE conversation ADD COLUMN urgency text;
-- the question the bot is waiting to have answered before it queues the customer ('topic', 'urgency'), if any
ALTER TABLE conversation ADD COLUMN asking text;
ALTER TABLE conversation ADD COLUMN facts jsonb;
ALTER TABLE conversation ADD COLUMN segments text[];
ALTER TABLE conversation ADD COLUMN transfer_notes text[] NOT NULL DEFAULT '{}';
ALTER TABLE chat_message ADD COLUMN quick_replies text[];
-- the queue: most urgent first, then who waits longest
DROP INDEX conversation_waiting;
CREATE INDEX conversation_waiting ON conversation (team, (urgency = 'HIGH') DESC, handed_over_time) WHERE status = 'WAITING_FOR_AGENT';
