package dev.modelmux.emulator;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Deterministic example values for a JSON Schema, used as an emulated tool call's arguments:
 * object → every declared property (so every required one), string → first enum value or
 * "emulated", integer → 1, number → 1.5, boolean → true, array → one item, null → null.
 * {@code const}, {@code enum}, {@code anyOf}/{@code oneOf}/{@code allOf} (first branch) and type
 * arrays (first non-null type) are honoured; anything unknown becomes "emulated".
 */
public final class ToolArguments {
  private static final int MAX_DEPTH = 16;

  private ToolArguments() {}

  /** The arguments JSON text for a function's {@code parameters} schema (an empty object when absent). */
  public static String forParameters(JsonObject parameters) {
    Object value = parameters == null ? new JsonObject() : valueFor(parameters, 0);
    if (!(value instanceof JsonObject)) {
      value = new JsonObject();
    }
    return ((JsonObject) value).encode();
  }

  /** An example value valid for {@code schema}. */
  public static Object valueFor(JsonObject schema, int depth) {
    if (depth > MAX_DEPTH) {
      return null;
    }
    if (schema.containsKey("const")) {
      return schema.getValue("const");
    }
    if (schema.getValue("enum") instanceof JsonArray values && !values.isEmpty()) {
      return values.getValue(0);
    }
    for (String combinator : new String[] {"anyOf", "oneOf", "allOf"}) {
      if (schema.getValue(combinator) instanceof JsonArray branches && !branches.isEmpty()
          && branches.getValue(0) instanceof JsonObject first) {
        return valueFor(first, depth + 1);
      }
    }
    String type = typeOf(schema);
    switch (type) {
      case "object" -> {
        JsonObject out = new JsonObject();
        if (schema.getValue("properties") instanceof JsonObject properties) {
          for (String name : properties.fieldNames()) {
            Object sub = properties.getValue(name);
            out.put(name, sub instanceof JsonObject s ? valueFor(s, depth + 1) : "emulated");
          }
        }
        if (schema.getValue("required") instanceof JsonArray required) {
          for (int i = 0; i < required.size(); i++) {
            if (required.getValue(i) instanceof String name && !out.containsKey(name)) {
              out.put(name, "emulated");
            }
          }
        }
        return out;
      }
      case "array" -> {
        JsonArray out = new JsonArray();
        out.add(schema.getValue("items") instanceof JsonObject items ? valueFor(items, depth + 1) : "emulated");
        return out;
      }
      case "integer" -> {
        return 1;
      }
      case "number" -> {
        return 1.5;
      }
      case "boolean" -> {
        return true;
      }
      case "null" -> {
        return null;
      }
      default -> {
        return "emulated";
      }
    }
  }

  private static String typeOf(JsonObject schema) {
    Object type = schema.getValue("type");
    if (type instanceof String t) {
      return t;
    }
    if (type instanceof JsonArray types) {
      for (int i = 0; i < types.size(); i++) {
        if (types.getValue(i) instanceof String t && !"null".equals(t)) {
          return t;
        }
      }
    }
    return schema.containsKey("properties") ? "object" : schema.containsKey("items") ? "array" : "string";
  }
}
