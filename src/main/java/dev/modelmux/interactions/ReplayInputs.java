package dev.modelmux.interactions;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The stored task calls a replay re-sends (ordinary traffic only: eval runs' own calls are left out): their variables, what
 * they answered and what it cost, newest first.
 */
public final class ReplayInputs {
  /** What {@code --where key=value} may filter on, and the column each reads. */
  public static final Map<String, String> FILTERS = Map.of("verdict", "r.verdict", "deployment", "i.deployment", "language", "i.language",
      "prompt", "i.prompt", "route", "i.route");
  private static final String SELECT = "SELECT i.request_id, i.started_at, i.variables, i.output, i.prompt, i.deployment, "
      + "i.prompt_tokens, i.completion_tokens, i.cost_usd, i.total_ms, r.verdict FROM interactions i "
      + "LEFT JOIN reviews r ON r.request_id = i.request_id WHERE i.task = ? AND i.started_at >= ? AND i.variables IS NOT NULL "
      + "AND i.status = 200 AND i.eval_run IS NULL%s ORDER BY i.started_at DESC LIMIT ?";

  private ReplayInputs() {}

  /**
   * @param where column filters ({@link #FILTERS} keys; {@code verdict=confirmed} is short for confirmed_hallucination);
   *     throws IllegalArgumentException for another key
   */
  public static Future<JsonArray> select(InteractionStore store, String task, long sinceMs, Map<String, String> where, int limit) {
    StringBuilder clauses = new StringBuilder();
    List<Object> params = new ArrayList<>(List.of(task, sinceMs));
    for (Map.Entry<String, String> w : where.entrySet()) {
      String column = FILTERS.get(w.getKey());
      if (column == null) {
        throw new IllegalArgumentException("--where takes " + String.join(", ", FILTERS.keySet().stream().sorted().toList())
            + ", not '" + w.getKey() + "'");
      }
      clauses.append(" AND ").append(column).append(" = ?");
      params.add(w.getKey().equals("verdict") && w.getValue().equals("confirmed") ? "confirmed_hallucination" : w.getValue());
    }
    params.add(limit);
    return store.query(String.format(SELECT, clauses), params);
  }
}
