-- The model's text before the variant's post-processing, beside what the client got (null without post-processing,
-- or when log_content is false).
ALTER TABLE interactions ADD COLUMN output_raw TEXT;
