package dev.modelmux.api;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** A client's value as an error message may quote it: short, and never a whole nested structure. */
public final class Shown {
  private static final int MAX = 40;

  private Shown() {}

  public static String value(Object value) {
    if (value instanceof JsonObject) {
      return "an object";
    }
    if (value instanceof JsonArray) {
      return "an array";
    }
    String text = String.valueOf(value);
    return text.length() > MAX ? text.substring(0, MAX) + "..." : text;
  }
}
