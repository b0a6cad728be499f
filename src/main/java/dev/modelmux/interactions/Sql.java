package dev.modelmux.interactions;

import java.util.Arrays;
import java.util.List;
import java.util.Set;

/** The statements both stores run, with {@code ?} placeholders (PostgreSQL's store numbers them). */
final class Sql {
  static final List<String> COLUMNS = List.of("request_id", "started_at", "day", "dialect", "stream", "route", "client_key", "task",
      "prompt", "deployment", "attempts", "status", "outcome", "tokens_trimmed", "guard_findings", "request_body", "request_sha256",
      "request_bytes", "output", "output_sha256", "output_chars", "finish_reason", "prompt_tokens", "completion_tokens", "cost_usd",
      "weight", "ttft_ms", "total_ms", "variables", "language", "sample_bucket", "output_raw", "provider_annotations",
      "eval_run");
  /** Columns holding JSON text, handed back parsed. */
  static final Set<String> JSON_COLUMNS = Set.of("attempts", "guard_findings", "request_body", "spans", "variables",
      "provider_annotations");
  static final Set<String> BOOLEAN_COLUMNS = Set.of("stream", "hallucination");

  static final String INSERT = "INSERT INTO interactions (" + String.join(", ", COLUMNS) + ") VALUES ("
      + String.join(", ", COLUMNS.stream().map(c -> "?").toList()) + ") ON CONFLICT (request_id) DO NOTHING";
  static final String FIND = "SELECT * FROM interactions WHERE request_id = ?";
  static final String FIND_FEEDBACK = "SELECT * FROM feedback WHERE request_id = ? ORDER BY created_at, user_name";
  static final String CLIENT_KEY = "SELECT client_key FROM interactions WHERE request_id = ?";
  static final String EXISTS = "SELECT 1 FROM interactions WHERE request_id = ?";
  static final String UPSERT_FEEDBACK = "INSERT INTO feedback (request_id, user_name, rating, hallucination, spans, correction, comment, "
      + "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (request_id, user_name) DO UPDATE SET rating = excluded.rating, "
      + "hallucination = excluded.hallucination, spans = excluded.spans, correction = excluded.correction, comment = excluded.comment, "
      + "created_at = excluded.created_at";
  /** Each with the same one parameter, the cut-off time; the dependents first, so no foreign key is needed to cascade. */
  static final List<String> FORGET = List.of(
      "DELETE FROM feedback WHERE request_id IN (SELECT request_id FROM interactions WHERE started_at < ?)",
      "DELETE FROM reviews WHERE request_id IN (SELECT request_id FROM interactions WHERE started_at < ?)",
      "DELETE FROM interactions WHERE started_at < ?");

  private Sql() {}

  /** @param includeEval whether eval traffic (a non-null eval_run) counts too */
  static String costs(CostGroup group, boolean includeEval) {
    return "SELECT " + group.column() + " AS grp, SUM(weight) AS requests, SUM(prompt_tokens * weight) AS prompt_tokens, "
        + "SUM(completion_tokens * weight) AS completion_tokens, SUM(cost_usd * weight) AS cost_usd FROM interactions "
        + "WHERE started_at >= ?" + (includeEval ? "" : " AND eval_run IS NULL") + " GROUP BY " + group.column() + " ORDER BY cost_usd DESC, grp";
  }

  static List<Object> feedbackValues(Feedback f) {
    return Arrays.asList(f.requestId(), f.user(), f.rating(), f.hallucination(), f.spans().encode(), f.correction(),
        f.comment(), f.createdAtMs());
  }
}
