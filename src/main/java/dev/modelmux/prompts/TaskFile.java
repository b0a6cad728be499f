package dev.modelmux.prompts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.modelmux.config.ConfigException;
import dev.modelmux.config.ConfigNode;
import dev.modelmux.prompts.guard.GuardMode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/** Reads a task's {@code task.yaml}: its route, variables and guard. */
final class TaskFile {
  /** What task.yaml says, before the variants are attached. */
  record Header(String route, String description, List<VariableSpec> variables, GuardMode guard) {}

  private static final int DEFAULT_MAX_LENGTH = 200_000;

  private TaskFile() {}

  static Header parse(JsonNode tree, String file, Predicate<String> routeExists) {
    if (tree == null || !tree.isObject()) {
      throw new ConfigException(file, "must be a YAML mapping");
    }
    ConfigNode root = ConfigNode.of(tree, file).allowOnly(Set.of("route", "description", "variables", "guard"));
    String route = root.string("route");
    if (!routeExists.test(route)) {
      throw new ConfigException(root.field("route"), "no route or model named '" + route + "' in the gateway's config");
    }
    List<VariableSpec> variables = new ArrayList<>();
    JsonNode declared = tree.get("variables");
    if (declared != null && !declared.isNull()) {
      if (!declared.isObject()) {
        throw new ConfigException(root.field("variables"), "must be a mapping of variable names");
      }
      ConfigNode vars = root.object("variables");
      for (Iterator<Map.Entry<String, JsonNode>> it = declared.fields(); it.hasNext(); ) {
        String name = it.next().getKey();
        if (name.equals("findings") || !name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
          throw new ConfigException(vars.field(name), "not a usable variable name (letters, digits, _; 'findings' is the guard's)");
        }
        ConfigNode spec = vars.has(name) ? vars.object(name).allowOnly(Set.of("required", "description", "max_length"))
            : ConfigNode.of(JsonNodeFactory.instance.objectNode(), vars.field(name));
        variables.add(new VariableSpec(name, spec.bool("required", false), spec.string("description", ""),
            (int) spec.number("max_length", DEFAULT_MAX_LENGTH, 1, Integer.MAX_VALUE)));
      }
    }
    ConfigNode guard = root.optionalObject("guard").allowOnly(Set.of("secrets"));
    GuardMode mode = GuardMode.parse(guard.string("secrets", "off"));
    if (mode == null) {
      throw new ConfigException(guard.field("secrets"), "must be redact, block or off");
    }
    return new Header(route, root.string("description", ""), List.copyOf(variables), mode);
  }
}
