package dev.modelmux.interactions;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/** Where the interaction log lives: SQLite (embedded) or PostgreSQL, one schema, the same behaviour. */
public interface InteractionStore {
  /** Writes a batch; a request id already stored is left as it is. */
  Future<Void> write(List<InteractionRow> rows);

  /** One interaction with its feedback, or null when none has that id. */
  Future<JsonObject> find(String requestId);

  /** Stores (or replaces) one user's feedback; false when no interaction has that request id. */
  Future<Boolean> feedback(Feedback feedback);

  /** Requests, tokens and cost since {@code sinceMs}, per value of {@code group} (a {@link CostGroup} column). */
  Future<JsonArray> costs(long sinceMs, CostGroup group);

  /** Deletes the interactions (and their feedback) older than {@code beforeMs}; returns how many. */
  Future<Integer> forgetBefore(long beforeMs);

  Future<Void> close();
}
