package dev.modelmux.prompts.post;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import dev.modelmux.config.ConfigException;
import dev.modelmux.config.ConfigNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A variant's {@code post:} list, in order: each answer gets a fresh chain of processors, each feeding the next, so
 * the chain streams as its members do.
 */
public final class PostPipeline {
  public static final PostPipeline NONE = new PostPipeline(List.of(), List.of());
  private static final SchemaRegistry SCHEMAS = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
  private static final Schema META_SCHEMA = SCHEMAS.getSchema(SchemaLocation.of("https://json-schema.org/draft/2020-12/schema"));

  private final List<String> names;
  private final List<Supplier<TextProcessor>> steps;

  private PostPipeline(List<String> names, List<Supplier<TextProcessor>> steps) {
    this.names = names;
    this.steps = steps;
  }

  /** Reads a {@code post:} list; errors name the item and field ({@code path}[i].between.start). */
  public static PostPipeline parse(JsonNode list, String path) {
    if (list == null || list.isNull()) {
      return NONE;
    }
    if (!list.isArray()) {
      throw new ConfigException(path, "must be a list of post-processors");
    }
    List<String> names = new ArrayList<>();
    List<Supplier<TextProcessor>> steps = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      JsonNode item = list.get(i);
      String at = path + "[" + i + "]";
      if (!item.isObject() || item.size() != 1) {
        throw new ConfigException(at, "must be one processor, as {name: settings}: between, strip_preamble, "
            + "strip_code_fence, regex_replace or json");
      }
      Map.Entry<String, JsonNode> only = item.fields().next();
      JsonNode settings = only.getValue();
      if (settings.isBoolean() && !settings.asBoolean()) {
        continue;
      }
      names.add(only.getKey());
      steps.add(step(only.getKey(), settings, at + "." + only.getKey()));
    }
    return names.isEmpty() ? NONE : new PostPipeline(List.copyOf(names), List.copyOf(steps));
  }

  private static Supplier<TextProcessor> step(String name, JsonNode settings, String at) {
    switch (name) {
      case "between": {
        ConfigNode node = object(settings, at).allowOnly(Set.of("start", "end"));
        String start = nonEmpty(node, "start");
        String end = node.has("end") ? nonEmpty(node, "end") : null;
        return () -> new Between(start, end);
      }
      case "strip_preamble": {
        if (settings.isBoolean()) {
          return () -> new StripPreamble(StripPreamble.LEAD_IN);
        }
        Pattern pattern = pattern(object(settings, at).allowOnly(Set.of("pattern")), "pattern");
        return () -> new StripPreamble(pattern);
      }
      case "strip_code_fence": {
        if (!settings.isBoolean()) {
          throw new ConfigException(at, "must be true or false");
        }
        return StripCodeFence::new;
      }
      case "regex_replace": {
        ConfigNode node = object(settings, at).allowOnly(Set.of("pattern", "replace"));
        Pattern pattern = pattern(node, "pattern");
        JsonNode replace = node.raw().path("replace");
        if (!replace.isMissingNode() && !replace.isTextual()) {
          throw new ConfigException(node.field("replace"), "must be a string");
        }
        String replacement = replace.asText("");
        try {
          pattern.matcher("").replaceAll(replacement);
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
          throw new ConfigException(node.field("replace"), "not a valid replacement: " + e.getMessage());
        }
        return () -> new RegexReplace(pattern, replacement);
      }
      case "json": {
        if (settings.isBoolean()) {
          return () -> new JsonValue(null);
        }
        ConfigNode node = object(settings, at).allowOnly(Set.of("schema"));
        Schema schema = schema(node);
        return () -> new JsonValue(schema);
      }
      default:
        throw new ConfigException(at, "unknown post-processor; known: between, strip_preamble, strip_code_fence, "
            + "regex_replace, json");
    }
  }

  private static ConfigNode object(JsonNode settings, String at) {
    if (!settings.isObject()) {
      throw new ConfigException(at, "must be a mapping of settings");
    }
    return ConfigNode.of(settings, at);
  }

  private static String nonEmpty(ConfigNode node, String field) {
    String value = node.string(field);
    if (value.isEmpty()) {
      throw new ConfigException(node.field(field), "must not be empty");
    }
    return value;
  }

  private static Pattern pattern(ConfigNode node, String field) {
    try {
      return Pattern.compile(node.string(field));
    } catch (PatternSyntaxException e) {
      throw new ConfigException(node.field(field), "not a valid regular expression: " + e.getDescription());
    }
  }

  private static Schema schema(ConfigNode node) {
    if (!node.has("schema")) {
      return null;
    }
    JsonNode schema = node.raw().get("schema");
    if (!schema.isObject()) {
      throw new ConfigException(node.field("schema"), "must be a JSON Schema object");
    }
    List<Error> problems = META_SCHEMA.validate(schema);
    if (!problems.isEmpty()) {
      throw new ConfigException(node.field("schema"), "not a valid JSON Schema: " + problems.get(0).getMessage());
    }
    return SCHEMAS.getSchema(schema);
  }

  public boolean isEmpty() {
    return steps.isEmpty();
  }

  public List<String> names() {
    return names;
  }

  /** Post-processes a whole answer at once; throws {@link NonConformingAnswer} as the streamed chain would. */
  public String apply(String answer) {
    TextProcessor run = newRun();
    return run.push(answer) + run.finish();
  }

  /** A fresh chain for one answer. */
  public TextProcessor newRun() {
    List<TextProcessor> chain = steps.stream().map(Supplier::get).toList();
    return new TextProcessor() {
      @Override
      public String push(String piece) {
        String text = piece;
        for (TextProcessor step : chain) {
          if (text.isEmpty()) {
            return text;
          }
          text = step.push(text);
        }
        return text;
      }

      @Override
      public String finish() {
        String carried = "";
        for (TextProcessor step : chain) {
          carried = (carried.isEmpty() ? "" : step.push(carried)) + step.finish();
        }
        return carried;
      }
    };
  }
}
