package dev.modelmux.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.jayway.jsonpath.JsonPath;
import com.jayway.jsonpath.PathNotFoundException;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.modelmux.config.ConfigException;
import dev.modelmux.config.ConfigNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiPredicate;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The assertion types of a case's {@code assert:} list: equals, contains, icontains (with -any / -all for lists),
 * regex, starts-with, is-json (with an optional schema), json-path, each negated by a {@code not-} prefix; and
 * max_tokens, max_latency_ms. Text assertions check the post-processed answer, as the client got it.
 */
final class Assertions {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SchemaRegistry SCHEMAS = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
  static final List<String> TYPES = List.of("equals", "contains", "icontains", "contains-any", "contains-all", "icontains-any",
      "icontains-all", "regex", "starts-with", "is-json", "json-path", "max_tokens", "max_latency_ms");

  private Assertions() {}

  /** One {@code {type: value}} item; errors name the field. */
  static Assertion parse(ConfigNode item) {
    JsonNode raw = item.raw();
    if (!raw.isObject() || raw.size() != 1) {
      throw new ConfigException(item.path(), "must be one assertion, as {type: value}; types: " + String.join(", ", TYPES)
          + " (and not- of each text assertion)");
    }
    Map.Entry<String, JsonNode> only = raw.fields().next();
    String type = only.getKey();
    String at = item.field(type);
    boolean negated = type.startsWith("not-");
    String base = negated ? type.substring(4) : type;
    Assertion positive = positive(base, only.getValue(), at);
    if (!negated) {
      return positive;
    }
    if (base.startsWith("max_")) {
      throw new ConfigException(at, base + " cannot be negated");
    }
    if (positive instanceof Worded worded) {
      return worded.negated();
    }
    return check("not-" + positive.describe(), a -> positive.check(a) == null
        ? "expected the answer not to pass " + positive.describe() : null);
  }

  private static Assertion positive(String type, JsonNode value, String at) {
    return switch (type) {
      case "equals" -> text(type, value, at, String::equals);
      case "contains" -> text(type, value, at, String::contains);
      case "icontains" -> text(type, value, at, (answer, expected) -> lower(answer).contains(lower(expected)));
      case "starts-with" -> text(type, value, at, String::startsWith);
      case "contains-any", "contains-all", "icontains-any", "icontains-all" -> list(type, value, at);
      case "regex" -> regex(value, at);
      case "is-json" -> isJson(value, at);
      case "json-path" -> jsonPath(value, at);
      case "max_tokens" -> {
        long max = whole(value, at);
        yield check(type + ": " + max, a -> a.completionTokens() <= max ? null : a.completionTokens() + " completion tokens, over " + max);
      }
      case "max_latency_ms" -> {
        long max = whole(value, at);
        yield check(type + ": " + max, a -> a.latencyMs() <= max ? null : a.latencyMs() + " ms, over " + max);
      }
      default -> throw new ConfigException(at, "unknown assertion; types: " + String.join(", ", TYPES) + " (and not- of each)");
    };
  }

  /**
   * An assertion that can say what it expects as a verb phrase ("contain \"sum\""), so that its failure, and its
   * negation's, read as sentences: "expected the answer to contain ...", "expected the answer not to contain ...".
   */
  private record Worded(String describe, Predicate<Answer> holds, String expects,
      Function<Answer, String> detail, String notExpects, Function<Answer, String> notDetail)
      implements Assertion {
    @Override
    public String check(Answer answer) {
      return holds.test(answer) ? null : sentence(expects, detail.apply(answer));
    }

    Assertion negated() {
      return Assertions.check("not-" + describe, a -> holds.test(a) ? sentence(notExpects, notDetail.apply(a)) : null);
    }

    private static String sentence(String expects, String detail) {
      return "expected the answer " + expects + (detail == null ? "" : "; " + detail);
    }
  }

  private static Worded worded(String describe, Predicate<Answer> holds, String phrase) {
    return new Worded(describe, holds, "to " + phrase, a -> null, "not to " + phrase, a -> null);
  }

  private static Assertion text(String type, JsonNode value, String at, BiPredicate<String, String> test) {
    String expected = string(value, at);
    String verb = switch (type) {
      case "equals" -> "equal";
      case "starts-with" -> "start with";
      default -> "contain";
    };
    String phrase = verb + " " + quote(expected) + (type.startsWith("i") ? " (ignoring case)" : "");
    return worded(type + ": " + quote(expected), a -> test.test(a.text(), expected), phrase);
  }

  private static Assertion list(String type, JsonNode value, String at) {
    if (!value.isArray() || value.isEmpty()) {
      throw new ConfigException(at, "must be a non-empty list of strings");
    }
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < value.size(); i++) {
      expected.add(string(value.get(i), at + "[" + i + "]"));
    }
    boolean ignoreCase = type.startsWith("i");
    boolean all = type.endsWith("-all");
    Function<Answer, List<String>> found = a -> {
      String answer = ignoreCase ? lower(a.text()) : a.text();
      return expected.stream().filter(e -> answer.contains(ignoreCase ? lower(e) : e)).toList();
    };
    String caseNote = ignoreCase ? " (ignoring case)" : "";
    if (all) {
      return new Worded(type + ": " + expected, a -> found.apply(a).size() == expected.size(),
          "to contain all of " + expected + caseNote,
          a -> "missing " + expected.stream().filter(e -> !found.apply(a).contains(e)).toList(),
          "not to contain all of " + expected + caseNote, a -> null);
    }
    return new Worded(type + ": " + expected, a -> !found.apply(a).isEmpty(),
        "to contain one of " + expected + caseNote, a -> "none found",
        "to contain none of " + expected + caseNote, a -> "found " + found.apply(a));
  }

  private static Assertion regex(JsonNode value, String at) {
    Pattern pattern;
    try {
      pattern = Pattern.compile(string(value, at));
    } catch (PatternSyntaxException e) {
      throw new ConfigException(at, "not a valid regular expression: " + e.getDescription());
    }
    return worded("regex: " + quote(pattern.pattern()), a -> pattern.matcher(a.text()).find(), "match " + quote(pattern.pattern()));
  }

  private static Assertion isJson(JsonNode value, String at) {
    Schema schema;
    if (value.isBoolean() && value.asBoolean()) {
      schema = null;
    } else if (value.isObject()) {
      schema = SCHEMAS.getSchema(value);
    } else {
      throw new ConfigException(at, "must be true or a JSON Schema object");
    }
    String describe = schema == null ? "is-json" : "is-json (schema)";
    Function<Answer, String> why = a -> {
      JsonNode parsed = parse(a.text());
      if (parsed == null) {
        return schema == null ? null : "it is not JSON";
      }
      List<Error> errors = schema == null ? List.of() : schema.validate(parsed);
      return errors.isEmpty() ? null : "it does not match the schema: " + errors.get(0).getMessage();
    };
    Predicate<Answer> holds = a -> parse(a.text()) != null && (schema == null || schema.validate(parse(a.text())).isEmpty());
    String phrase = schema == null ? "be JSON" : "be JSON matching the schema";
    return new Worded(describe, holds, "to " + phrase, why, "not to " + phrase, a -> null);
  }

  private static Assertion jsonPath(JsonNode value, String at) {
    ConfigNode node = ConfigNode.of(value, at).allowOnly(Set.of("path", "equals"));
    String path = node.string("path");
    JsonPath compiled;
    try {
      compiled = JsonPath.compile(path);
    } catch (RuntimeException e) {
      throw new ConfigException(node.field("path"), "not a valid JSONPath: " + e.getMessage());
    }
    if (!node.has("equals")) {
      throw new ConfigException(node.field("equals"), "required: the value the path must have");
    }
    Object expected = JSON.convertValue(value.get("equals"), Object.class);
    return check("json-path: " + path + " == " + expected, a -> {
      if (parse(a.text()) == null) {
        return "the answer is not JSON";
      }
      try {
        Object actual = compiled.read(a.text());
        return Objects.equals(normal(actual), normal(expected)) ? null : path + " is " + actual + ", expected " + expected;
      } catch (PathNotFoundException e) {
        return path + " is not in the answer";
      }
    });
  }

  /** Numbers compared by value (1 == 1.0), everything else as JSON. */
  private static Object normal(Object value) {
    return value instanceof Number n ? new BigDecimal(n.toString()).stripTrailingZeros() : JSON.valueToTree(value);
  }

  private static JsonNode parse(String text) {
    try {
      return JSON.readTree(text);
    } catch (Exception e) {
      return null;
    }
  }

  private static Assertion check(String description, Function<Answer, String> test) {
    return new Assertion() {
      @Override
      public String describe() {
        return description;
      }

      @Override
      public String check(Answer answer) {
        return test.apply(answer);
      }
    };
  }

  private static String string(JsonNode value, String at) {
    if (!value.isTextual() && !value.isNumber() && !value.isBoolean()) {
      throw new ConfigException(at, "must be a string");
    }
    return value.asText();
  }

  private static long whole(JsonNode value, String at) {
    if (!value.canConvertToLong() || !value.isIntegralNumber() || value.asLong() < 0) {
      throw new ConfigException(at, "must be a whole number, 0 or more");
    }
    return value.asLong();
  }

  private static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }

  private static String quote(String s) {
    return "\"" + s.replace("\n", "\\n") + "\"";
  }
}
