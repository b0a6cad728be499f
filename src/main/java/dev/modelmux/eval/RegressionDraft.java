package dev.modelmux.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.modelmux.prompts.guard.Finding;
import dev.modelmux.prompts.guard.SecretScanner;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The first draft of a regression case from a reviewed call ("make regression case" on the review page), and the check
 * of the reviewer's edited draft against that call.
 *
 * <p>A call whose secrets the guard redacted is logged with {@code [REDACTED:<rule>]} in its variables, never the
 * secret. Those variables do not reproduce the call: the guard finds nothing in them, so the model would be sent no
 * finding. The draft puts a placeholder where each secret was, and a case is refused while a placeholder (or a redacted
 * value) is left or while the guard does not find, in each such variable, secrets of the same kinds as in the call:
 * only then does eval send the model what the call sent it (the guard redacts the made-up values alike).
 */
public final class RegressionDraft {
  /** How a placeholder starts; the guard reads a value starting with '<' as a reference, not as a secret. */
  public static final String PLACEHOLDER_START = "<<FILL IN";
  private static final Pattern REDACTED = Pattern.compile("\\[REDACTED:([a-z0-9-]+)]");
  private static final SecretScanner GUARD = SecretScanner.standard();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES).disable(YAMLGenerator.Feature.SPLIT_LINES));

  /**
   * What the page offers for one call.
   *
   * @param yaml the draft, or null when the call cannot become a case
   * @param unavailable why it cannot (shown beside a disabled button), or null
   * @param placeholders one per redacted secret: {variable, rule, description}; empty when the draft is complete
   */
  public record Draft(String yaml, String unavailable, JsonArray placeholders) {
    public JsonObject json() {
      return new JsonObject().put("possible", yaml != null).put("reason", unavailable).put("placeholders", placeholders);
    }
  }

  private RegressionDraft() {}

  /**
   * @param found the case as the review API returns it (the interaction, its feedback and review)
   * @param taskProblem why the call's task cannot take a case (no repository, task not in it), or null when it can
   */
  public static Draft of(JsonObject found, String taskProblem) {
    if (found.getString("task") == null) {
      return unavailable("This call did not name a task (model \"task:<name>\"), so it has no variables for eval to send again: "
          + "only task calls become regression cases.");
    }
    if (taskProblem != null) {
      return unavailable(taskProblem);
    }
    Integer status = found.getInteger("status");
    if (status == null || status != 200) {
      return unavailable("This call was answered with HTTP " + status + " (" + found.getString("outcome") + "), so there is no answer "
          + "to assert on: eval fails every case whose call is not answered.");
    }
    JsonArray placeholders = new JsonArray();
    Map<String, Object> variables = new LinkedHashMap<>();
    JsonObject logged = found.getJsonObject("variables", new JsonObject());
    for (String name : logged.fieldNames()) {
      Object value = logged.getValue(name);
      variables.put(name, value instanceof String text ? withPlaceholders(name, text, placeholders) : value);
    }
    return new Draft(yaml(found, variables), null, placeholders);
  }

  private static Draft unavailable(String reason) {
    return new Draft(null, reason, new JsonArray());
  }

  private static String withPlaceholders(String variable, String text, JsonArray placeholders) {
    Matcher m = REDACTED.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String rule = m.group(1);
      String description = GUARD.describe(rule);
      placeholders.add(new JsonObject().put("variable", variable).put("rule", rule).put("description", description));
      m.appendReplacement(out, Matcher.quoteReplacement(PLACEHOLDER_START + ": made-up " + rule + " (" + description + "), not the real one>>"));
    }
    return m.appendTail(out).toString();
  }

  /**
   * Why the reviewer's cases do not reproduce the call, or null when they do: a variable the guard redacted in the call
   * is gone (or not text), a placeholder or a redacted value is left, or such a variable holds secrets of other kinds (or
   * none) than the call had.
   */
  public static String problem(JsonObject found, List<EvalCase> cases) {
    JsonObject logged = found.getJsonObject("variables", new JsonObject());
    for (EvalCase c : cases) {
      for (String name : logged.fieldNames()) {
        List<String> redacted = redactedRules(logged.getValue(name));
        if (!redacted.isEmpty() && !(c.variables().getValue(name) instanceof String)) {
          return "case '" + c.name() + "', variables." + name + " is " + (c.variables().containsKey(name) ? "not text" : "missing")
              + ", but the call had " + String.join(", ", redacted) + " there (redacted by the guard): keep the variable, with a made-up "
              + "value of each kind, or eval does not send the model what the call sent it.";
        }
      }
      for (String name : c.variables().fieldNames()) {
        if (!(c.variables().getValue(name) instanceof String value)) {
          continue;
        }
        String where = "case '" + c.name() + "', variables." + name;
        if (value.contains(PLACEHOLDER_START)) {
          return where + " still has a placeholder: replace each <<FILL IN ...>> with a made-up value of the kind it names "
              + "(never the real secret, which was not stored).";
        }
        if (REDACTED.matcher(value).find()) {
          return where + " holds a redacted value ([REDACTED:...]): the guard finds no secret in it, so eval would not send the model "
              + "what the call sent it. Put a made-up value of that kind in its place.";
        }
        List<String> wanted = redactedRules(logged.getValue(name));
        List<String> foundRules = GUARD.scan(value).stream().map(Finding::rule).toList();
        if (!wanted.isEmpty() && !wanted.equals(foundRules)) {
          return where + ": the guard finds " + (foundRules.isEmpty() ? "no secret" : String.join(", ", foundRules)) + " in it, but the call "
              + "had " + String.join(", ", wanted) + " there; each made-up value must be one the guard finds as that kind ("
              + String.join("; ", wanted.stream().map(GUARD::describe).toList()) + "), or eval sends the model other findings.";
        }
      }
    }
    return null;
  }

  private static List<String> redactedRules(Object loggedValue) {
    List<String> rules = new ArrayList<>();
    if (loggedValue instanceof String text) {
      Matcher m = REDACTED.matcher(text);
      while (m.find()) {
        rules.add(m.group(1));
      }
    }
    return rules;
  }

  /**
   * The case: the call's variables, and assertions from what the reviewers said: the correction must be contained;
   * flagged spans must not come back; an answer judged fine must come back as it is.
   */
  private static String yaml(JsonObject found, Map<String, Object> variables) {
    String output = found.getString("output", "");
    List<Map<String, Object>> assertions = new ArrayList<>();
    for (Object o : found.getJsonArray("feedback", new JsonArray())) {
      JsonObject f = (JsonObject) o;
      if (f.getString("correction") != null) {
        assertions.add(Map.of("contains", f.getString("correction")));
      }
      for (Object s : f.getJsonArray("spans", new JsonArray())) {
        JsonObject span = (JsonObject) s;
        int start = (int) Math.min(output.length(), span.getLong("start"));
        int end = (int) Math.min(output.length(), span.getLong("end"));
        if (end > start) {
          assertions.add(Map.of("not-contains", output.substring(start, end)));
        }
      }
    }
    JsonObject review = found.getJsonObject("review");
    if (assertions.isEmpty()) {
      boolean fine = review != null && "fine".equals(review.getString("verdict"));
      assertions.add(fine ? Map.of("equals", output) : Map.of("contains", output.length() > 60 ? output.substring(0, 60) : output));
    }
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("name", "review " + found.getString("request_id"));
    entry.put("variables", variables);
    entry.put("assert", assertions);
    try {
      return YAML.writeValueAsString(List.of(entry));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
