package dev.modelmux.prompts.post;

import java.util.regex.Pattern;

/**
 * Replaces what a pattern matches, line by line (Java regex; {@code $1} in the replacement is a group): each line
 * goes out when its newline arrives, so a pattern sees whole lines and never spans two.
 */
final class RegexReplace implements TextProcessor {
  private final Pattern pattern;
  private final String replacement;
  private final StringBuilder held = new StringBuilder();

  RegexReplace(Pattern pattern, String replacement) {
    this.pattern = pattern;
    this.replacement = replacement;
  }

  @Override
  public String push(String piece) {
    held.append(piece);
    int lastNewline = held.lastIndexOf("\n");
    if (lastNewline < 0) {
      return "";
    }
    StringBuilder out = new StringBuilder();
    int from = 0;
    for (int newline = held.indexOf("\n"); newline >= 0 && newline <= lastNewline; newline = held.indexOf("\n", from)) {
      out.append(replace(held.substring(from, newline))).append('\n');
      from = newline + 1;
    }
    held.delete(0, from);
    return out.toString();
  }

  private String replace(String line) {
    return pattern.matcher(line).replaceAll(replacement);
  }

  @Override
  public String finish() {
    String rest = held.isEmpty() ? "" : replace(held.toString());
    held.setLength(0);
    return rest;
  }
}
