package dev.modelmux.testing;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Malformed and type-confused variants of one valid JSON request: at every path of it, the value replaced with a
 * wrong type, null, a huge number, an empty or odd container, a deep nesting, or dropped altogether.
 */
public final class JsonMutations {
  /** One variant: what was done, where, and the body that results. */
  public record Mutant(String description, String body) {}

  private record Replacement(String name, Object value) {}

  private static final List<Replacement> REPLACEMENTS = List.of(
      new Replacement("null", null),
      new Replacement("empty string", ""),
      new Replacement("string", "hi"),
      new Replacement("zero", 0),
      new Replacement("negative", -1),
      new Replacement("decimal", 1.5),
      new Replacement("2147483648", 2147483648L),
      new Replacement("-2147483649", -2147483649L),
      new Replacement("1e308", 1e308),
      new Replacement("huge integer", new BigInteger("123456789012345678901234567890")),
      new Replacement("1e400", new BigDecimal("1e400")),
      new Replacement("true", true),
      new Replacement("empty array", new JsonArray()),
      new Replacement("array of a string", new JsonArray().add("hi")),
      new Replacement("array of null", new JsonArray().addNull()),
      new Replacement("array of an empty object", new JsonArray().add(new JsonObject())),
      new Replacement("empty object", new JsonObject()),
      new Replacement("object of a bogus type", new JsonObject().put("type", "bogus")),
      new Replacement("deep nesting", nested(64)));

  private JsonMutations() {}

  /** Every replacement and a drop at every path below the root, then {@code extra} random double mutations. */
  public static List<Mutant> of(JsonObject valid, Random random, int extra) {
    List<List<Object>> paths = new ArrayList<>();
    collect(valid, new ArrayList<>(), paths);
    List<Mutant> mutants = new ArrayList<>();
    for (List<Object> path : paths) {
      mutants.add(new Mutant("drop " + path, drop(valid.copy(), path).encode()));
      for (Replacement r : REPLACEMENTS) {
        mutants.add(new Mutant(r.name() + " at " + path, replace(valid.copy(), path, r.value()).encode()));
      }
    }
    for (int i = 0; i < extra; i++) {
      List<Object> first = paths.get(random.nextInt(paths.size()));
      List<Object> second = paths.get(random.nextInt(paths.size()));
      Replacement a = REPLACEMENTS.get(random.nextInt(REPLACEMENTS.size()));
      Replacement b = REPLACEMENTS.get(random.nextInt(REPLACEMENTS.size()));
      JsonObject body = replace(valid.copy(), first, a.value());
      try {
        body = replace(body, second, b.value());
      } catch (IndexOutOfBoundsException | ClassCastException | NullPointerException gone) {
        // the second path ran through what the first replaced: a single mutation, still worth sending
      }
      mutants.add(new Mutant(a.name() + " at " + first + " and " + b.name() + " at " + second, body.encode()));
    }
    return mutants;
  }

  /** A value nested {@code depth} arrays deep. */
  public static Object nested(int depth) {
    Object value = "deep";
    for (int i = 0; i < depth; i++) {
      value = new JsonArray().add(value);
    }
    return value;
  }

  private static void collect(Object node, List<Object> path, List<List<Object>> paths) {
    if (!path.isEmpty()) {
      paths.add(List.copyOf(path));
    }
    if (node instanceof JsonObject object) {
      for (String name : object.fieldNames()) {
        path.add(name);
        collect(object.getValue(name), path, paths);
        path.remove(path.size() - 1);
      }
    } else if (node instanceof JsonArray array) {
      for (int i = 0; i < array.size(); i++) {
        path.add(i);
        collect(array.getValue(i), path, paths);
        path.remove(path.size() - 1);
      }
    }
  }

  private static JsonObject replace(JsonObject root, List<Object> path, Object value) {
    Object parent = parent(root, path);
    Object last = path.get(path.size() - 1);
    if (parent instanceof JsonObject object) {
      object.put((String) last, value);
    } else {
      ((JsonArray) parent).set((Integer) last, value);
    }
    return root;
  }

  private static JsonObject drop(JsonObject root, List<Object> path) {
    Object parent = parent(root, path);
    Object last = path.get(path.size() - 1);
    if (parent instanceof JsonObject object) {
      object.remove((String) last);
    } else {
      ((JsonArray) parent).remove((int) (Integer) last);
    }
    return root;
  }

  private static Object parent(JsonObject root, List<Object> path) {
    Object node = root;
    for (Object step : path.subList(0, path.size() - 1)) {
      node = step instanceof String name ? ((JsonObject) node).getValue(name) : ((JsonArray) node).getValue((Integer) step);
    }
    return node;
  }
}
