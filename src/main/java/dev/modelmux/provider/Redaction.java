package dev.modelmux.provider;

import dev.modelmux.config.Secret;
import java.util.HashSet;
import java.util.Set;

/**
 * Removes a provider key from text that came from upstream, and every fragment of it: providers echo masked keys
 * ("sk-abc***xyz", "...a605"), so any run of {@value #FRAGMENT} or more characters that also occurs in the key goes.
 */
public final class Redaction {
  static final int FRAGMENT = 4;
  private static final String MASK = "***";

  private Redaction() {}

  public static String redact(String text, Secret key) {
    String secret = key.reveal();
    if (text == null || secret == null || secret.isEmpty()) {
      return text;
    }
    if (secret.length() < FRAGMENT) {
      return text.replace(secret, MASK);
    }
    Set<String> fragments = new HashSet<>();
    for (int i = 0; i + FRAGMENT <= secret.length(); i++) {
      fragments.add(secret.substring(i, i + FRAGMENT));
    }
    // A longer shared run is a chain of overlapping shared fragments, so covering each fragment covers the run.
    boolean[] covered = new boolean[text.length()];
    for (int i = 0; i + FRAGMENT <= text.length(); i++) {
      if (fragments.contains(text.substring(i, i + FRAGMENT))) {
        java.util.Arrays.fill(covered, i, i + FRAGMENT, true);
      }
    }
    StringBuilder result = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      if (!covered[i]) {
        result.append(text.charAt(i));
      } else if (i == 0 || !covered[i - 1]) {
        result.append(MASK);
      }
    }
    return result.toString();
  }
}
