package dev.modelmux.interactions;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Turns a stored row's columns into JSON: JSON text parsed, booleans as booleans whatever the store returns. */
final class Rows {
  private Rows() {}

  static void put(JsonObject into, String column, Object value) {
    if (value == null) {
      into.putNull(column);
    } else if (Sql.JSON_COLUMNS.contains(column) && value instanceof String text && text.isBlank()) {
      into.putNull(column);
    } else if (Sql.JSON_COLUMNS.contains(column) && value instanceof String text) {
      into.put(column, text.startsWith("[") ? new JsonArray(text) : new JsonObject(text));
    } else if (Sql.BOOLEAN_COLUMNS.contains(column) && value instanceof Number n) {
      into.put(column, n.intValue() != 0);
    } else if (value instanceof Number || value instanceof Boolean || value instanceof String) {
      into.put(column, value);
    } else {
      into.put(column, value.toString());
    }
  }
}
