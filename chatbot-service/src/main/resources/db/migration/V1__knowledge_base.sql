-- The knowledge base the bot answers from: one article per language.
CREATE TABLE article (
    id                uuid        PRIMARY KEY,
    request_id        text        UNIQUE,
    language          text        NOT NULL,
    title             text        NOT NULL,
    body              text        NOT NULL,
    example_questions text[]      NOT NULL DEFAULT '{}',
    update_time       timestamptz NOT NULL
);
CREATE INDEX article_language ON article (language);
