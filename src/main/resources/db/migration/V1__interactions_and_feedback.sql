-- The interaction log and its feedback. One schema for SQLite and PostgreSQL: portable types only,
-- JSON kept as text. Applied by Flyway at start (both stores), versioned here.
CREATE TABLE interactions (
  request_id        TEXT PRIMARY KEY,
  started_at        BIGINT NOT NULL,            -- epoch milliseconds
  day               TEXT NOT NULL,              -- UTC yyyy-mm-dd of started_at, for per-day costs
  dialect           TEXT NOT NULL,              -- openai | anthropic
  stream            BOOLEAN NOT NULL,
  route             TEXT,
  client_key        TEXT,                       -- the key's id from the config, never the key
  task              TEXT,
  prompt            TEXT,                       -- task/variant@version
  deployment        TEXT,                       -- the deployment that answered (the last tried)
  attempts          TEXT NOT NULL,              -- JSON [{deployment, outcome}], the fallback chain
  status            INTEGER NOT NULL,
  outcome           TEXT NOT NULL,
  tokens_trimmed    INTEGER NOT NULL,
  guard_findings    TEXT NOT NULL,              -- JSON [rule, ...]
  request_body      TEXT,                       -- JSON as sent; null when log_content is false
  request_sha256    TEXT NOT NULL,
  request_bytes     INTEGER NOT NULL,
  output            TEXT,                       -- what the client got (post-processed); null when log_content is false
  output_sha256     TEXT NOT NULL,
  output_chars      INTEGER NOT NULL,
  finish_reason     TEXT,
  prompt_tokens     BIGINT NOT NULL,
  completion_tokens BIGINT NOT NULL,
  cost_usd          DOUBLE PRECISION NOT NULL,
  weight            DOUBLE PRECISION NOT NULL,  -- 1 / the sampling rate it was recorded at, so sums estimate all traffic
  ttft_ms           BIGINT NOT NULL,
  total_ms          BIGINT NOT NULL
);
CREATE INDEX interactions_started_at ON interactions (started_at);

CREATE TABLE feedback (
  request_id    TEXT NOT NULL REFERENCES interactions (request_id) ON DELETE CASCADE,
  user_name     TEXT NOT NULL,                  -- one vote per (request, user): a second replaces the first
  rating        TEXT,                           -- up | down
  hallucination BOOLEAN NOT NULL,
  spans         TEXT NOT NULL,                  -- JSON [{start, end}] into the output
  correction    TEXT,
  comment       TEXT,
  created_at    BIGINT NOT NULL,
  PRIMARY KEY (request_id, user_name)
);
