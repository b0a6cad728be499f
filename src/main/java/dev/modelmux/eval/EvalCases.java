package dev.modelmux.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.modelmux.config.ConfigException;
import dev.modelmux.config.ConfigNode;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Reads a task's hand-checked cases from {@code <task>/tests/*.yaml}; errors name the file and the field. A case may say
 * {@code known_failing: <why>}: eval runs and reports it but does not fail on it.
 */
public final class EvalCases {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private EvalCases() {}

  public static List<EvalCase> load(Path taskDir, String task) {
    Path tests = taskDir.resolve("tests");
    if (!Files.isDirectory(tests)) {
      return List.of();
    }
    List<Path> files;
    try (Stream<Path> listing = Files.list(tests)) {
      files = listing.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList();
    } catch (IOException e) {
      throw new ConfigException(tests.toString(), "cannot be listed: " + e.getMessage());
    }
    List<EvalCase> cases = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (Path file : files) {
      for (EvalCase c : parse(task, file)) {
        if (!names.add(c.name())) {
          throw new ConfigException(file + ": " + c.name(), "two cases of task '" + task + "' share this name");
        }
        cases.add(c);
      }
    }
    return List.copyOf(cases);
  }

  static List<EvalCase> parse(String task, Path file) {
    JsonNode tree;
    try {
      tree = YAML.readTree(file.toFile());
    } catch (IOException e) {
      throw new ConfigException(file.toString(), "not valid YAML: " + e.getMessage().lines().findFirst().orElse(""));
    }
    return parse(task, tree, file);
  }

  /** Cases given as text (a reviewer's draft, say), checked as a case file would be; {@code name} names it in errors. */
  public static List<EvalCase> parse(String task, String yaml, String name) {
    JsonNode tree;
    try {
      tree = YAML.readTree(yaml);
    } catch (IOException e) {
      throw new ConfigException(name, "not valid YAML: " + e.getMessage().lines().findFirst().orElse(""));
    }
    return parse(task, tree, Path.of(name));
  }

  private static List<EvalCase> parse(String task, JsonNode tree, Path file) {
    if (tree == null || tree.isNull()) {
      return List.of();
    }
    if (!tree.isArray()) {
      throw new ConfigException(file.toString(), "must be a list of cases");
    }
    List<EvalCase> cases = new ArrayList<>();
    for (int i = 0; i < tree.size(); i++) {
      ConfigNode node = ConfigNode.of(tree.get(i), file + "[" + i + "]").allowOnly(Set.of("name", "variables", "assert", "description", "known_failing"));
      JsonObject variables = new JsonObject(node.optionalObject("variables").raw().toString());
      List<Assertion> assertions = new ArrayList<>();
      for (ConfigNode item : node.list("assert")) {
        assertions.add(Assertions.parse(item));
      }
      if (assertions.isEmpty()) {
        throw new ConfigException(node.field("assert"), "a case needs at least one assertion");
      }
      cases.add(new EvalCase(task, node.string("name"), variables, List.copyOf(assertions), file.toString(),
          node.string("known_failing", null)));
    }
    return cases;
  }
}
