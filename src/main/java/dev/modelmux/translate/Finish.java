package dev.modelmux.translate;

import java.util.Locale;

/** Why an answer ended, in both dialects' words. */
public enum Finish {
  STOP("stop", "end_turn"),
  STOP_SEQUENCE("stop", "stop_sequence"),
  LENGTH("length", "max_tokens"),
  TOOL_CALLS("tool_calls", "tool_use"),
  CONTENT_FILTER("content_filter", "refusal");

  private final String openAi;
  private final String anthropic;

  Finish(String openAi, String anthropic) {
    this.openAi = openAi;
    this.anthropic = anthropic;
  }

  public String openAi() {
    return openAi;
  }

  public String anthropic() {
    return anthropic;
  }

  public static Finish fromOpenAi(String reason) {
    return switch (reason == null ? "stop" : reason.toLowerCase(Locale.ROOT)) {
      case "length" -> LENGTH;
      case "tool_calls", "function_call" -> TOOL_CALLS;
      case "content_filter" -> CONTENT_FILTER;
      default -> STOP;
    };
  }

  public static Finish fromAnthropic(String reason) {
    return switch (reason == null ? "end_turn" : reason) {
      case "max_tokens", "model_context_window_exceeded" -> LENGTH;
      case "stop_sequence" -> STOP_SEQUENCE;
      case "tool_use" -> TOOL_CALLS;
      case "refusal" -> CONTENT_FILTER;
      default -> STOP;
    };
  }
}
