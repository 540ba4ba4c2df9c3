-- Where the RFM run under way (or the last one) is: scoring, then each segment that uses RFM recomputed. Written
-- outside the run's transaction, so that a status read while it runs sees it (GetRfmModel.progress).
CREATE TABLE rfm_progress (
    id         boolean     PRIMARY KEY DEFAULT true CHECK (id),
    start_time timestamptz NOT NULL,
    done       int         NOT NULL,
    total      int         NOT NULL,
    stage      text        NOT NULL,
    finished   boolean     NOT NULL
);
