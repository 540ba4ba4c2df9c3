-- An experiment's automatic winner (Experiment.auto_winner): the test goes to part of the audience, the rest (rollout)
-- is planned for decide_after later and gets the winning arm, decided once, by whichever sender first needs it.
ALTER TABLE campaign ADD COLUMN winner_arm int;
ALTER TABLE campaign ADD COLUMN winner_decided_time timestamptz;
ALTER TABLE campaign ADD COLUMN winner_reason text;
ALTER TABLE delivery ADD COLUMN rollout boolean NOT NULL DEFAULT false;
