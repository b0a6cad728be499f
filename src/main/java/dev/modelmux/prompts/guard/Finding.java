package dev.modelmux.prompts.guard;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A secret found in a text: the rule that found it and where it is ({@code start}..{@code end}, the secret itself,
 * not the words around it). It never carries the secret, so it can be logged, counted and shown to a model.
 */
public record Finding(String rule, String description, int start, int end) {
  /** What a template sees as {@code {{#findings}}}: rule, description, line (1-based) and length; never the secret. */
  public Map<String, Object> forTemplate(String text) {
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("rule", rule);
    entry.put("description", description);
    entry.put("line", 1 + (int) text.substring(0, start).chars().filter(c -> c == '\n').count());
    entry.put("length", end - start);
    return entry;
  }
}
