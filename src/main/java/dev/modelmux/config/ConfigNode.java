package dev.modelmux.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/** A YAML node that knows its path, so every validation error names the field it is about. */
public final class ConfigNode {
  private final JsonNode node;
  private final String path;

  ConfigNode(JsonNode node, String path) {
    this.node = node;
    this.path = path;
  }

  /** A document read by another package (a prompt file, say), its errors prefixed with {@code path}. */
  public static ConfigNode of(JsonNode node, String path) {
    return new ConfigNode(node, path);
  }

  public JsonNode raw() {
    return node;
  }

  public String path() {
    return path;
  }

  public String field(String name) {
    return path.isEmpty() ? name : path + "." + name;
  }

  public boolean has(String name) {
    JsonNode child = node.get(name);
    return child != null && !child.isNull();
  }

  public ConfigNode object(String name) {
    JsonNode child = node.get(name);
    if (child == null || child.isNull()) {
      throw new ConfigException(field(name), "missing");
    }
    if (!child.isObject()) {
      throw new ConfigException(field(name), "must be a mapping");
    }
    return new ConfigNode(child, field(name));
  }

  public ConfigNode optionalObject(String name) {
    return has(name) ? object(name) : new ConfigNode(JsonNodeFactory.instance.objectNode(), field(name));
  }

  public List<ConfigNode> list(String name) {
    JsonNode child = node.get(name);
    if (child == null || child.isNull()) {
      return List.of();
    }
    if (!child.isArray()) {
      throw new ConfigException(field(name), "must be a list");
    }
    List<ConfigNode> items = new ArrayList<>();
    for (int i = 0; i < child.size(); i++) {
      items.add(new ConfigNode(child.get(i), field(name) + "[" + i + "]"));
    }
    return items;
  }

  public List<String> stringList(String name) {
    List<String> values = new ArrayList<>();
    for (ConfigNode item : list(name)) {
      values.add(item.asString());
    }
    return values;
  }

  public List<String> asStringList() {
    if (!node.isArray()) {
      throw new ConfigException(path, "must be a list");
    }
    List<String> values = new ArrayList<>();
    for (int i = 0; i < node.size(); i++) {
      values.add(new ConfigNode(node.get(i), path + "[" + i + "]").asString());
    }
    return values;
  }

  public boolean isList() {
    return node.isArray();
  }

  public String asString() {
    if (!node.isTextual() || node.asText().isBlank()) {
      throw new ConfigException(path, "must be a non-empty string");
    }
    return node.asText();
  }

  public String string(String name) {
    if (!has(name)) {
      throw new ConfigException(field(name), "missing");
    }
    return new ConfigNode(node.get(name), field(name)).asString();
  }

  public String string(String name, String fallback) {
    return has(name) ? string(name) : fallback;
  }

  public long number(String name, long fallback, long min, long max) {
    if (!has(name)) {
      return fallback;
    }
    JsonNode child = node.get(name);
    if (!child.isIntegralNumber()) {
      throw new ConfigException(field(name), "must be a whole number");
    }
    long value = child.asLong();
    if (value < min || value > max) {
      throw new ConfigException(field(name), "must be between " + min + " and " + max + ", was " + value);
    }
    return value;
  }

  public long requiredNumber(String name, long min, long max) {
    if (!has(name)) {
      throw new ConfigException(field(name), "missing");
    }
    return number(name, 0, min, max);
  }

  public double decimal(String name, double fallback) {
    if (!has(name)) {
      return fallback;
    }
    JsonNode child = node.get(name);
    if (!child.isNumber() || child.asDouble() < 0) {
      throw new ConfigException(field(name), "must be a non-negative number");
    }
    return child.asDouble();
  }

  public boolean bool(String name, boolean fallback) {
    if (!has(name)) {
      return fallback;
    }
    JsonNode child = node.get(name);
    if (!child.isBoolean()) {
      throw new ConfigException(field(name), "must be true or false");
    }
    return child.asBoolean();
  }

  URI url(String name) {
    string(name);
    return new ConfigNode(node.get(name), field(name)).asUrl();
  }

  URI asUrl() {
    String raw = asString();
    try {
      URI uri = new URI(raw);
      String scheme = uri.getScheme();
      if (scheme == null || !(scheme.equals("http") || scheme.equals("https") || scheme.equals("redis") || scheme.equals("rediss"))
          || uri.getHost() == null) {
        throw new ConfigException(path, "not a valid URL: " + raw);
      }
      return uri;
    } catch (URISyntaxException e) {
      throw new ConfigException(path, "not a valid URL: " + raw);
    }
  }

  <E extends Enum<E>> E choice(String name, E fallback, Function<String, E> parse, String allowed) {
    if (!has(name)) {
      return fallback;
    }
    String raw = string(name);
    try {
      return parse.apply(raw);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(field(name), "must be one of " + allowed + ", was '" + raw + "'");
    }
  }

  /** Rejects keys this version does not know, so a typo never silently drops a setting. */
  public ConfigNode allowOnly(Set<String> known) {
    if (!node.isObject()) {
      throw new ConfigException(path, "must be a mapping");
    }
    Iterator<String> names = node.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (!known.contains(name)) {
        throw new ConfigException(field(name), "unknown field (known: " + String.join(", ", known.stream().sorted().toList()) + ")");
      }
    }
    return this;
  }
}
