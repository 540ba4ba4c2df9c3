-- Long operations clients run and report on through the public API (rapport.api.v1.Operations), e.g. "demo-load".
-- One row per name: a new run of a finished operation starts it over. No personal data.
CREATE TABLE operation (
    name          text        PRIMARY KEY,
    reported_by   text        NOT NULL,
    done          bigint      NOT NULL,
    total         bigint      NOT NULL,
    stage         text        NOT NULL,
    finished      boolean     NOT NULL,
    failed        boolean     NOT NULL,
    started_time  timestamptz NOT NULL,
    updated_time  timestamptz NOT NULL,
    finished_time timestamptz
);
CREATE INDEX operation_updated ON operation (updated_time DESC);
