package dev.modelmux.prompts;

import dev.modelmux.core.ChatRequest;
import dev.modelmux.core.GatewayError;
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
 * {@code redact} replaces each finding with a placeholder, {@code block} refuses the call naming the rule (after
 * the scan, so every finding is counted).
 */
final class GuardedInput {
  private static final SecretScanner SCANNER = SecretScanner.standard();

  /** A finding, with where it was (a variable's name, or a message's path) and the text it was found in. */
  record Located(Finding finding, String where, String scannedText) {}

  private final Map<String, String> variables;
  private final JsonArray messages;
  private final Object system;
  private final List<Located> located;
  private final GatewayError refusal;

  private GuardedInput(Map<String, String> variables, JsonArray messages, Object system, List<Located> located, GatewayError refusal) {
    this.refusal = refusal;
    this.variables = variables;
    this.messages = messages;
    this.system = system;
    this.located = located;
  }

  static GuardedInput scan(Task task, Map<String, String> variables, ChatRequest request) {
    return scan(task.guard(), "task '" + task.name() + "'", variables, request);
  }

  /** @param owner who set the guard, for the refusal's message: task 'x' or route 'y' */
  static GuardedInput scan(GuardMode mode, String owner, Map<String, String> variables, ChatRequest request) {
    JsonArray messages = request.body().getJsonArray("messages");
    Object system = request.body().getValue("system");
    if (mode == GuardMode.OFF) {
      return new GuardedInput(variables, messages, system, List.of(), null);
    }
    Scan scan = new Scan(mode, owner, new ArrayList<>());
    Map<String, String> cleanVariables = new LinkedHashMap<>();
    variables.forEach((name, value) -> cleanVariables.put(name, scan.text(value, "variables." + name)));
    JsonArray cleanMessages = messages == null ? null : messages.copy();
    if (cleanMessages != null) {
      for (int i = 0; i < cleanMessages.size(); i++) {
        if (cleanMessages.getValue(i) instanceof JsonObject message) {
          scan.content(message, "content", "messages[" + i + "].content");
        }
      }
    }
    Object cleanSystem = system;
    if (system instanceof String text) {
      cleanSystem = scan.text(text, "system");
    } else if (system instanceof JsonArray blocks) {
      JsonObject holder = new JsonObject().put("system", blocks.copy());
      scan.content(holder, "system", "system");
      cleanSystem = holder.getValue("system");
    }
    return new GuardedInput(cleanVariables, cleanMessages, cleanSystem, List.copyOf(scan.found()), scan.refusal());
  }

  /** One request's scan: the mode, who set it, and what it found so far. */
  private record Scan(GuardMode mode, String owner, List<Located> found) {
    /** A message's content: a string, or text parts / blocks. */
    void content(JsonObject holder, String field, String where) {
      Object content = holder.getValue(field);
      if (content instanceof String text) {
        holder.put(field, text(text, where));
      } else if (content instanceof JsonArray parts) {
        for (int j = 0; j < parts.size(); j++) {
          if (parts.getValue(j) instanceof JsonObject part && part.getValue("text") instanceof String) {
            content(part, "text", where + "[" + j + "].text");
          }
        }
      }
    }

    String text(String text, String where) {
      List<Finding> findings = SCANNER.scan(text);
      findings.forEach(f -> found.add(new Located(f, where, text)));
      // Redacted in block mode too: that copy is never sent, but it is what the interaction log may record.
      return findings.isEmpty() ? text : SecretScanner.redact(text, findings);
    }

    /** In block mode, the 400 naming the first finding's rule and place; else null. */
    GatewayError refusal() {
      if (mode != GuardMode.BLOCK || found.isEmpty()) {
        return null;
      }
      Located first = found.get(0);
      return GatewayError.invalid("The prompt contains what looks like a secret (rule " + first.finding().rule() + ": "
          + first.finding().description() + ") in " + first.where() + "; " + owner + " refuses prompts with secrets. Remove it and "
          + "try again.", first.where(), "secret_detected");
    }
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

  /** The 400 a blocking guard answers with, or null when the input may be sent. */
  GatewayError refusal() {
    return refusal;
  }

  List<Finding> findings() {
    return located.stream().map(Located::finding).toList();
  }
}
