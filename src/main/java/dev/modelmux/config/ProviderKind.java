package dev.modelmux.config;

import java.util.Locale;

public enum ProviderKind {
  OPENAI, AZURE, ANTHROPIC;

  public static ProviderKind parse(String raw) {
    return valueOf(raw.toUpperCase(Locale.ROOT));
  }

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
