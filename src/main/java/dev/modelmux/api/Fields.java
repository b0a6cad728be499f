package dev.modelmux.api;

import static dev.modelmux.api.JsonKind.ARRAY;
import static dev.modelmux.api.JsonKind.BOOLEAN;
import static dev.modelmux.api.JsonKind.INTEGER;
import static dev.modelmux.api.JsonKind.NUMBER;
import static dev.modelmux.api.JsonKind.OBJECT;
import static dev.modelmux.api.JsonKind.STRING;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.util.List;

/**
 * Typed reads of a client's JSON, each throwing the dialect's 400 naming the field when the value is missing,
 * of the wrong type, empty or out of range. An optional member that is absent or null reads as null.
 */
public final class Fields {
  private final Wording wording;

  public Fields(Wording wording) {
    this.wording = wording;
  }

  public Wording wording() {
    return wording;
  }

  public String path(String parent, String name) {
    return wording.member(parent, name);
  }

  public String path(String parent, int index) {
    return wording.element(parent, index);
  }

  /** A required member: absent or null is "missing". */
  public Object required(JsonObject holder, String parent, String name) {
    Object value = holder.getValue(name);
    if (value == null) {
      throw wording.missing(path(parent, name));
    }
    return value;
  }

  public String string(JsonObject holder, String parent, String name) {
    return asString(holder.getValue(name), path(parent, name));
  }

  public String requiredString(JsonObject holder, String parent, String name) {
    return asString(required(holder, parent, name), path(parent, name));
  }

  /** A required string of at least one character. */
  public String name(JsonObject holder, String parent, String name) {
    String value = requiredString(holder, parent, name);
    if (value.isEmpty()) {
      throw wording.emptyString(path(parent, name));
    }
    return value;
  }

  public String oneOf(JsonObject holder, String parent, String name, List<String> allowed) {
    return checkOneOf(string(holder, parent, name), path(parent, name), allowed);
  }

  public String requiredOneOf(JsonObject holder, String parent, String name, List<String> allowed) {
    return checkOneOf(requiredString(holder, parent, name), path(parent, name), allowed);
  }

  public Boolean bool(JsonObject holder, String parent, String name) {
    Object value = holder.getValue(name);
    if (value != null && !(value instanceof Boolean)) {
      throw wording.wrongType(path(parent, name), List.of(BOOLEAN), value);
    }
    return (Boolean) value;
  }

  /** An integer in [min, max]; values past a long (or past max) are out of range, not of the wrong type. */
  public Long integer(JsonObject holder, String parent, String name, long min, long max) {
    Object value = holder.getValue(name);
    if (value == null) {
      return null;
    }
    String path = path(parent, name);
    if (JsonKind.of(value) != INTEGER) {
      throw wording.wrongType(path, List.of(INTEGER), value);
    }
    if (value instanceof BigInteger big) {
      throw big.signum() < 0 ? wording.belowMinimum(path, min, value) : wording.aboveMaximum(path, max, value);
    }
    long n = ((Number) value).longValue();
    if (n < min) {
      throw wording.belowMinimum(path, min, value);
    }
    if (n > max) {
      throw wording.aboveMaximum(path, max, value);
    }
    return n;
  }

  public Long requiredInteger(JsonObject holder, String parent, String name, long min, long max) {
    required(holder, parent, name);
    return integer(holder, parent, name, min, max);
  }

  /** A finite number in [min, max]. */
  public Double number(JsonObject holder, String parent, String name, double min, double max) {
    Object value = holder.getValue(name);
    if (value == null) {
      return null;
    }
    String path = path(parent, name);
    if (!(value instanceof Number n)) {
      throw wording.wrongType(path, List.of(NUMBER), value);
    }
    double d = n.doubleValue();
    if (d < min) {
      throw wording.belowMinimum(path, plain(min), value);
    }
    if (!(d <= max)) { // NaN too
      throw wording.aboveMaximum(path, plain(max), value);
    }
    return d;
  }

  public JsonObject object(JsonObject holder, String parent, String name) {
    Object value = holder.getValue(name);
    if (value != null && !(value instanceof JsonObject)) {
      throw wording.wrongType(path(parent, name), List.of(OBJECT), value);
    }
    return (JsonObject) value;
  }

  public JsonObject requiredObject(JsonObject holder, String parent, String name) {
    required(holder, parent, name);
    return object(holder, parent, name);
  }

  public JsonArray array(JsonObject holder, String parent, String name) {
    Object value = holder.getValue(name);
    if (value != null && !(value instanceof JsonArray)) {
      throw wording.wrongType(path(parent, name), List.of(ARRAY), value);
    }
    return (JsonArray) value;
  }

  /** A required array of at least one element. */
  public JsonArray nonEmptyArray(JsonObject holder, String parent, String name) {
    required(holder, parent, name);
    JsonArray array = array(holder, parent, name);
    if (array.isEmpty()) {
      throw wording.emptyArray(path(parent, name));
    }
    return array;
  }

  public JsonObject objectAt(JsonArray array, String arrayPath, int index) {
    Object value = array.getValue(index);
    if (!(value instanceof JsonObject object)) {
      throw wording.wrongType(path(arrayPath, index), List.of(OBJECT), value);
    }
    return object;
  }

  public String stringAt(JsonArray array, String arrayPath, int index) {
    Object value = array.getValue(index);
    if (!(value instanceof String s)) {
      throw wording.wrongType(path(arrayPath, index), List.of(STRING), value);
    }
    return s;
  }

  /** An object whose every value is a string (metadata, say), with at most {@code maxKeys} keys. */
  public JsonObject stringMap(JsonObject holder, String parent, String name, int maxKeys) {
    JsonObject map = object(holder, parent, name);
    if (map == null) {
      return null;
    }
    String path = path(parent, name);
    if (map.size() > maxKeys) {
      throw wording.tooLong(path, maxKeys, map.size());
    }
    for (String key : map.fieldNames()) {
      string(map, path, key);
    }
    return map;
  }

  private String asString(Object value, String path) {
    if (value != null && !(value instanceof String)) {
      throw wording.wrongType(path, List.of(STRING), value);
    }
    return (String) value;
  }

  private String checkOneOf(String value, String path, List<String> allowed) {
    if (value != null && !allowed.contains(value)) {
      throw wording.notOneOf(path, allowed, value);
    }
    return value;
  }

  /** 2.0 as 2, so a bound reads as the client wrote it. */
  private static Number plain(double bound) {
    return bound == Math.rint(bound) ? (Number) (long) bound : (Number) bound;
  }
}
