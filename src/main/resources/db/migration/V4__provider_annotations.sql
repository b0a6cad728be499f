-- What the provider attached to its answer for the operator and the client was not sent (Azure's content-filter
-- results), as JSON; null for other providers. Kept whether or not log_content is on: it holds no prompt or answer text.
ALTER TABLE interactions ADD COLUMN provider_annotations TEXT;
