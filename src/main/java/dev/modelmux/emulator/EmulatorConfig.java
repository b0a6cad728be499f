package dev.modelmux.emulator;

import dev.modelmux.config.ConfigException;
import dev.modelmux.config.ConfigNode;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The built-in provider emulator: the port it listens on, the models it serves and the canned answers it gives.
 */
public record EmulatorConfig(String host, int port, List<EmulatedModel> models, List<ScriptedAnswer> answers) {
  /** The name of its section in the gateway's config file. */
  public static final String SECTION = "emulator";

  public EmulatorConfig(String host, int port, List<EmulatedModel> models) {
    this(host, port, models, List.of());
  }

  /** The same emulator on another address. */
  public EmulatorConfig at(String newHost, int newPort) {
    return new EmulatorConfig(newHost, newPort, models, answers);
  }

  /** Models served when none are configured: the families the demo and benchmarks use, instant answers. */
  public static List<EmulatedModel> defaultModels() {
    return List.of(
        new EmulatedModel("gpt-4", 0, 0, 8192, 0, 0, Fault.NONE),
        new EmulatedModel("gpt-4o", 0, 0, 128000, 0, 0, Fault.NONE),
        new EmulatedModel("gpt-3.5-turbo", 0, 0, 4096, 0, 0, Fault.NONE),
        new EmulatedModel("claude-2", 0, 0, 100000, 0, 0, Fault.NONE),
        new EmulatedModel("claude-instant-1", 0, 0, 100000, 0, 0, Fault.NONE));
  }

  /** The {@code emulator:} section of a config file; throws ConfigException naming the bad field. */
  public static EmulatorConfig parse(ConfigNode node) {
    node.allowOnly(Set.of("host", "port", "models", "answers"));
    List<EmulatedModel> models = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (ConfigNode m : node.list("models")) {
      m.allowOnly(Set.of("name", "ttft_ms", "inter_token_ms", "context_window", "limits", "fault", "style"));
      String name = m.string("name");
      if (!names.add(name)) {
        throw new ConfigException(m.field("name"), "duplicate emulated model '" + name + "'");
      }
      ConfigNode limits = m.optionalObject("limits").allowOnly(Set.of("tpm", "rpm"));
      models.add(new EmulatedModel(
          name,
          m.number("ttft_ms", 0, 0, 3_600_000),
          m.number("inter_token_ms", 0, 0, 60_000),
          (int) m.number("context_window", 8192, 16, 10_000_000),
          limits.number("tpm", 0, 0, Long.MAX_VALUE),
          limits.number("rpm", 0, 0, Long.MAX_VALUE),
          m.has("fault") ? fault(m.object("fault")) : Fault.NONE,
          style(m)));
    }
    List<ScriptedAnswer> answers = new ArrayList<>();
    for (ConfigNode a : node.list("answers")) {
      a.allowOnly(Set.of("when", "say"));
      answers.add(new ScriptedAnswer(pattern(a), a.string("say")));
    }
    return new EmulatorConfig(
        node.string("host", "127.0.0.1"),
        (int) node.number("port", 9099, 0, 65535),
        models.isEmpty() ? defaultModels() : models,
        List.copyOf(answers));
  }

  private static AnswerStyle style(ConfigNode model) {
    AnswerStyle style = AnswerStyle.parse(model.string("style", "clean"));
    if (style == null) {
      throw new ConfigException(model.field("style"), "must be clean, blurb or claude");
    }
    return style;
  }

  private static Pattern pattern(ConfigNode answer) {
    try {
      return Pattern.compile(answer.string("when"));
    } catch (PatternSyntaxException e) {
      throw new ConfigException(answer.field("when"), "not a valid regular expression: " + e.getDescription());
    }
  }

  private static Fault fault(ConfigNode node) {
    try {
      return Fault.fromJson(new JsonObject(node.raw().toString()));
    } catch (IllegalArgumentException e) {
      // Fault reports "field: problem"; prefixing the node's path makes it name the full field.
      throw new ConfigException(node.path() + "." + e.getMessage());
    }
  }
}
