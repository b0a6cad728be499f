package dev.modelmux.emulator;

/** Why an answer ended, before any dialect names it (OpenAI: stop/length/tool_calls). */
public enum FinishReason {
  /** Natural end or a stop sequence. */
  STOP,
  /** The output cap was reached. */
  LENGTH,
  /** The answer is a tool call. */
  TOOL_CALLS
}
