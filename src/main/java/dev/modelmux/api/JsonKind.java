package dev.modelmux.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;

/** The JSON type of a decoded value, as a client would name it. */
public enum JsonKind {
  STRING, INTEGER, NUMBER, BOOLEAN, OBJECT, ARRAY, NULL;

  public static JsonKind of(Object value) {
    if (value instanceof String) {
      return STRING;
    }
    if (value instanceof Boolean) {
      return BOOLEAN;
    }
    if (value instanceof Integer || value instanceof Long || value instanceof BigInteger) {
      return INTEGER;
    }
    if (value instanceof Number) {
      return NUMBER;
    }
    if (value instanceof JsonObject) {
      return OBJECT;
    }
    if (value instanceof JsonArray) {
      return ARRAY;
    }
    return NULL;
  }
}
