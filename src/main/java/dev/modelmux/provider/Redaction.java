package dev.modelmux.provider;

import dev.modelmux.config.Secret;
import java.util.HashSet;
import java.util.Set;

/**
 * Removes provider keys from text that came from upstream, and every fragment of them: providers echo masked keys
 * ("sk-abc***xyz", "...a605"), so any run of {@value #FRAGMENT} or more characters that also occurs in the key goes.
 * The answering deployment's key and every other key the process has read are removed alike.
 */
public final class Redaction {
  static final int FRAGMENT = 4;
  private static final String MASK = "***";

  private Redaction() {}

  public static String redact(String text, Secret key) {
    if (text == null) {
      return null;
    }
    Set<String> fragments = new HashSet<>();
    String secret = key.reveal();
    if (secret != null && !secret.isEmpty()) {
      text = addFragments(secret, text, fragments);
    }
    for (String other : Secret.known()) {
      text = addFragments(other, text, fragments);
    }
    if (fragments.isEmpty()) {
      return text;
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

  /** Adds the key's fragments; a key too short to have any is replaced whole, at once. */
  private static String addFragments(String secret, String text, Set<String> fragments) {
    if (secret.length() < FRAGMENT) {
      return text.replace(secret, MASK);
    }
    for (int i = 0; i + FRAGMENT <= secret.length(); i++) {
      fragments.add(secret.substring(i, i + FRAGMENT));
    }
    return text;
  }
}
