package dev.modelmux.emulator;

import java.util.ArrayList;
import java.util.List;

/**
 * What the emulator will answer, independent of any wire format: text pieces (or one tool call), why
 * it ends, and the exact usage.
 *
 * @param pieces the text in streaming pieces (empty for a tool call); they concatenate to {@link #text()}
 * @param toolCall the tool call, or null for a text answer
 * @param stopSequence the stop sequence the text was cut before (finish STOP), or null when it ended naturally
 */
public record AnswerPlan(List<String> pieces, ToolCall toolCall, FinishReason finishReason,
    int promptTokens, int completionTokens, String stopSequence) {

  public AnswerPlan(List<String> pieces, ToolCall toolCall, FinishReason finishReason, int promptTokens, int completionTokens) {
    this(pieces, toolCall, finishReason, promptTokens, completionTokens, null);
  }

  /** One function call: deterministic id, name, arguments JSON text and the fragments it streams in. */
  public record ToolCall(String id, String name, String arguments, List<String> fragments) {}

  public String text() {
    return String.join("", pieces);
  }

  /** How many "tokens" stream (text pieces or argument fragments): what faults' afterTokens counts. */
  public int tokenEvents() {
    return toolCall != null ? toolCall.fragments().size() : pieces.size();
  }

  /** The answer as a dialect-neutral event sequence: start, tokens, finish, usage, done. */
  public List<StreamEvent> events() {
    List<StreamEvent> events = new ArrayList<>();
    if (toolCall != null) {
      events.add(new StreamEvent.ToolStart(toolCall));
      for (String fragment : toolCall.fragments()) {
        events.add(new StreamEvent.ToolArguments(fragment));
      }
    } else {
      events.add(new StreamEvent.Start());
      for (String piece : pieces) {
        events.add(new StreamEvent.Content(piece));
      }
    }
    events.add(new StreamEvent.Finish(finishReason));
    events.add(new StreamEvent.Usage(promptTokens, completionTokens));
    events.add(new StreamEvent.Done());
    return events;
  }
}
