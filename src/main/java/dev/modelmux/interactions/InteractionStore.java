package dev.modelmux.interactions;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/** The interaction log's storage, one schema and the same SQL on SQLite (embedded) and PostgreSQL. */
public final class InteractionStore {
  private final SqlRunner sql;

  InteractionStore(SqlRunner sql) {
    this.sql = sql;
  }

  /** Writes a batch; a request id already stored is left as it is. */
  public Future<Void> write(List<InteractionRow> rows) {
    return sql.batch(Sql.INSERT, rows.stream().map(InteractionRow::values).toList());
  }

  /** One interaction with its feedback and review, or null when none has that id. */
  public Future<JsonObject> find(String requestId) {
    return sql.query(Sql.FIND, List.of(requestId)).compose(found -> {
      if (found.isEmpty()) {
        return Future.succeededFuture(null);
      }
      JsonObject interaction = found.getJsonObject(0);
      return sql.query(Sql.FIND_FEEDBACK, List.of(requestId)).map(feedback -> interaction.put("feedback", feedback));
    });
  }

  /**
   * Stores (or replaces) one user's feedback on an answer the same client key asked for ({@code clientKey} null: no
   * key, as with {@code auth: none}); false when there is no such answer: none has that request id, or another key's
   * does (the same answer to the caller).
   */
  public Future<Boolean> feedback(Feedback feedback, String clientKey) {
    return sql.query(Sql.CLIENT_KEY, List.of(feedback.requestId())).compose(found -> found.isEmpty()
        || !Objects.equals(found.getJsonObject(0).getString("client_key"), clientKey)
        ? Future.succeededFuture(false)
        : sql.update(Sql.UPSERT_FEEDBACK, Sql.feedbackValues(feedback)).map(true));
  }

  /** Costs of ordinary traffic: {@link #costs(long, CostGroup, boolean)} without eval traffic. */
  public Future<JsonArray> costs(long sinceMs, CostGroup group) {
    return costs(sinceMs, group, false);
  }

  /**
   * Requests, tokens and cost since {@code sinceMs}, per value of {@code group} ({@link CostRows}), costliest first;
   * eval traffic ({@code eval --url} calls an operator tagged) only when {@code includeEval}.
   */
  public Future<JsonArray> costs(long sinceMs, CostGroup group, boolean includeEval) {
    return sql.query(Sql.costs(group, includeEval), List.of(sinceMs)).map(sums -> CostRows.of(group, sums));
  }

  /** Deletes the interactions (with their feedback and reviews) older than {@code beforeMs}; returns how many. */
  public Future<Integer> forgetBefore(long beforeMs) {
    return sql.updates(Sql.FORGET, Arrays.asList(beforeMs));
  }

  /** Runs a query of the review's (shared SQL, {@code ?} parameters). */
  Future<JsonArray> query(String statement, List<Object> params) {
    return sql.query(statement, params);
  }

  Future<Integer> update(String statement, List<Object> params) {
    return sql.update(statement, params);
  }

  public Future<Void> close() {
    return sql.close();
  }
}
