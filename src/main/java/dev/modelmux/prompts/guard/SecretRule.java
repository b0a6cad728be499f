package dev.modelmux.prompts.guard;

import java.util.List;
import java.util.regex.Pattern;

/**
 * One rule of the scanner: a pattern whose group {@code secret} (or, without one, the whole match) is the secret,
 * and the words a match must contain somewhere (lower case) before the pattern runs at all, as gitleaks' keywords do.
 */
record SecretRule(String id, String description, Pattern pattern, List<String> keywords) {
  static SecretRule of(String id, String description, String regex, String... keywords) {
    return new SecretRule(id, description, Pattern.compile(regex), List.of(keywords));
  }

  boolean mayMatch(String lowerCaseText) {
    return keywords.isEmpty() || keywords.stream().anyMatch(lowerCaseText::contains);
  }
}
