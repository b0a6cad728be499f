package dev.modelmux.provider;

import dev.modelmux.config.Secret;

/** Removes a provider key (and any recognisable fragment of it) from text that came from upstream. */
public final class Redaction {
  private static final int FRAGMENT = 6;

  private Redaction() {}

  public static String redact(String text, Secret key) {
    if (text == null) {
      return null;
    }
    String secret = key.reveal();
    String result = text.replace(secret, "***");
    // Providers echo masked keys such as "sk-abc***xyz": drop any long-enough prefix or suffix as well.
    if (secret.length() >= 2 * FRAGMENT) {
      result = result.replace(secret.substring(0, FRAGMENT), "***").replace(secret.substring(secret.length() - FRAGMENT), "***");
    }
    return result;
  }
}
