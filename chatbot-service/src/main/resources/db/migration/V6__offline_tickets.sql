-- Handed over while nobody could answer: a ticket, with a way to reach the customer once they leave one.
ALTER TABLE conversation ADD COLUMN offline boolean NOT NULL DEFAULT false;
ALTER TABLE conversation ADD COLUMN contact text;
