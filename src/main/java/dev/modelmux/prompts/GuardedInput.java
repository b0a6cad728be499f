package dev.modelmux.prompts;

import dev.modelmux.core.ChatRequest;
import dev.modelmux.core.ErrorKind;
import dev.modelmux.core.GatewayError;
import dev.modelmux.core.GatewayException;
import dev.modelmux.prompts.guard.Finding;
import dev.modelmux.prompts.guard.GuardMode;
import dev.modelmux.prompts.guard.SecretScanner;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the client put into a task call (its variables, and the messages and system prompt it appended), passed
 * through the task's deterministic secret guard before anything is rendered or sent: {@code off} leaves it alone,
 * {@code redact} replaces each finding with a placeholder, {@code block} refuses the call naming the rule.
 */
final class GuardedInput {
  private static final SecretScanner SCANNER = SecretScanner.standard();

  /** A finding, with where it was (a variable's name, or a message's path) and the text it was found in. */
  record Located(Finding finding, String where, String scannedText) {}

  private final Map<String, String> variables;
  private final JsonArray messages;
  private final Object system;
  private final List<Located> located;

  private GuardedInput(Map<String, String> variables, JsonArray messages, Object system, List<Located> located) {
    this.variables = variables;
    this.messages = messages;
    this.system = system;
    this.located = located;
  }

  static GuardedInput scan(Task task, Map<String, String> variables, ChatRequest request) {
    JsonArray messages = request.body().getJsonArray("messages");
    Object system = request.body().getValue("system");
    if (task.guard() == GuardMode.OFF) {
      return new GuardedInput(variables, messages, system, List.of());
    }
    List<Located> found = new ArrayList<>();
    Map<String, String> cleanVariables = new LinkedHashMap<>();
    variables.forEach((name, value) -> cleanVariables.put(name, guard(task, value, "variables." + name, found)));
    JsonArray cleanMessages = messages == null ? null : messages.copy();
    if (cleanMessages != null) {
      for (int i = 0; i < cleanMessages.size(); i++) {
        if (cleanMessages.getValue(i) instanceof JsonObject message) {
          guardContent(task, message, "content", "messages[" + i + "].content", found);
        }
      }
    }
    Object cleanSystem = system;
    if (system instanceof String text) {
      cleanSystem = guard(task, text, "system", found);
    }
    return new GuardedInput(cleanVariables, cleanMessages, cleanSystem, List.copyOf(found));
  }

  /** A message's content: a string, or text parts / blocks. */
  private static void guardContent(Task task, JsonObject holder, String field, String where, List<Located> found) {
    Object content = holder.getValue(field);
    if (content instanceof String text) {
      holder.put(field, guard(task, text, where, found));
    } else if (content instanceof JsonArray parts) {
      for (int j = 0; j < parts.size(); j++) {
        if (parts.getValue(j) instanceof JsonObject part && part.getValue("text") instanceof String) {
          guardContent(task, part, "text", where + "[" + j + "].text", found);
        }
      }
    }
  }

  private static String guard(Task task, String text, String where, List<Located> found) {
    List<Finding> findings = SCANNER.scan(text);
    if (findings.isEmpty()) {
      return text;
    }
    if (task.guard() == GuardMode.BLOCK) {
      Finding first = findings.get(0);
      throw new GatewayException(GatewayError.invalid("The prompt contains what looks like a secret (rule " + first.rule() + ": "
          + first.description() + ") in " + where + "; task '" + task.name() + "' refuses prompts with secrets. Remove it and "
          + "try again.", where, "secret_detected"));
    }
    findings.forEach(f -> found.add(new Located(f, where, text)));
    return SecretScanner.redact(text, findings);
  }

  Map<String, String> variables() {
    return variables;
  }

  JsonArray messages() {
    return messages;
  }

  Object system() {
    return system;
  }

  List<Located> located() {
    return located;
  }

  List<Finding> findings() {
    return located.stream().map(Located::finding).toList();
  }
}
