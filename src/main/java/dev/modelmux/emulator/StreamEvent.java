package dev.modelmux.emulator;

/** One step of a streamed answer, before a wire format renders it (a format may render a step as nothing). */
public sealed interface StreamEvent {

  /** Whether this step carries a "token" (text piece or argument fragment): paced and counted by faults. */
  default boolean token() {
    return false;
  }

  /** The assistant turn begins (text answers). */
  record Start() implements StreamEvent {}

  record Content(String text) implements StreamEvent {
    @Override
    public boolean token() {
      return true;
    }
  }

  /** The assistant turn begins with a tool call (id, name, empty arguments). */
  record ToolStart(AnswerPlan.ToolCall call) implements StreamEvent {}

  record ToolArguments(String fragment) implements StreamEvent {
    @Override
    public boolean token() {
      return true;
    }
  }

  record Finish(FinishReason reason) implements StreamEvent {}

  record Usage(int promptTokens, int completionTokens) implements StreamEvent {}

  /** The terminator ({@code [DONE]} for OpenAI and Azure, {@code message_stop} for Anthropic). */
  record Done() implements StreamEvent {}
}
