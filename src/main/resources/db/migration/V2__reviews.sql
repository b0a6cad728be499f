-- Human review: what a case is about (a task call's variables, its language), a stable sample of each
-- variant's traffic, and the reviewer's verdict.
ALTER TABLE interactions ADD COLUMN variables TEXT;            -- JSON of a task call's variables; null otherwise or without content
ALTER TABLE interactions ADD COLUMN language TEXT;             -- the variables' language, lower case, when they name one
ALTER TABLE interactions ADD COLUMN sample_bucket INTEGER NOT NULL DEFAULT 0;  -- 0..99 from the request id: the review's random sample

CREATE TABLE reviews (
  request_id      TEXT PRIMARY KEY REFERENCES interactions (request_id) ON DELETE CASCADE,
  verdict         TEXT,                     -- confirmed_hallucination | wrong | fine | needs_expert; null while pending
  expert_language TEXT,                     -- needs_expert: who should look (e.g. rust)
  note            TEXT,
  assignee        TEXT,
  regression_file TEXT,                     -- the regression case made from it, under prompts/<task>/tests/
  updated_at      BIGINT NOT NULL
);
