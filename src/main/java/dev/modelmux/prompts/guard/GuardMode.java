package dev.modelmux.prompts.guard;

/** What a task's secret guard does with a finding: nothing, replace it with a placeholder, or refuse the call. */
public enum GuardMode {
  OFF, REDACT, BLOCK;

  /** {@code off}, {@code redact} or {@code block}; anything else is null. */
  public static GuardMode parse(String text) {
    return switch (text) {
      case "off" -> OFF;
      case "redact" -> REDACT;
      case "block" -> BLOCK;
      default -> null;
    };
  }
}
