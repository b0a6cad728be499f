package dev.modelmux.interactions;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import java.util.List;

/**
 * What a database must do for the log: run statements with {@code ?} parameters, rows back as JSON objects keyed by
 * column label ({@link Rows}). SQLite and PostgreSQL each implement it once; everything else is shared SQL.
 */
interface SqlRunner {
  Future<JsonArray> query(String sql, List<Object> params);

  /** Returns the rows changed. */
  Future<Integer> update(String sql, List<Object> params);

  /** One statement over many parameter lists, in one transaction. */
  Future<Void> batch(String sql, List<List<Object>> params);

  /** Statements in one transaction; returns the rows the last one changed. */
  Future<Integer> updates(List<String> sql, List<Object> params);

  Future<Void> close();
}
