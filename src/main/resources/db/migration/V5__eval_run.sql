-- Traffic from `modelmux eval --url` (x-modelmux-eval, honoured for an operator key only): the run's id; null for
-- ordinary traffic. Such calls are logged and count toward budgets, but /admin/costs and the review queue leave them
-- out unless asked (include=eval).
ALTER TABLE interactions ADD COLUMN eval_run TEXT;
