-- Articles as the bot searches them: an author's key (imports match on it), a version for safe edits, and the
-- embeddings of the title and example questions, so a restart does not compute them again.
ALTER TABLE article
    ADD COLUMN key          text,
    ADD COLUMN version      bigint NOT NULL DEFAULT 1,
    ADD COLUMN vector_model text,
    ADD COLUMN vectors      bytea;
CREATE UNIQUE INDEX article_key ON article (key, language) WHERE key IS NOT NULL;
CREATE INDEX article_newest ON article (update_time DESC, id);

-- Bumped in the same transaction as every change, so each replica sees edits and deletions and reloads its index.
CREATE TABLE knowledge_revision (
    id       int    PRIMARY KEY CHECK (id = 1),
    revision bigint NOT NULL
);
INSERT INTO knowledge_revision VALUES (1, 0);
