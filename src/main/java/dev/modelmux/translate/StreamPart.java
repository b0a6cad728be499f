package dev.modelmux.translate;

import dev.modelmux.core.Usage;

/** A provider stream event in dialect-neutral form: what decoders produce and encoders consume. */
public sealed interface StreamPart {
  /** The answer begins. inputTokens is -1 when the provider reports it only at the end. */
  record Start(String id, String model, int inputTokens) implements StreamPart {}

  record Text(String text) implements StreamPart {}

  /** A tool call opens; index counts tool calls from 0 in the order they start. */
  record ToolStart(int index, String id, String name) implements StreamPart {}

  record ToolArguments(int index, String fragment) implements StreamPart {}

  record Finished(Finish reason, String stopSequence) implements StreamPart {}

  /** Usage so far (providers report it cumulatively: the latest replaces earlier ones). */
  record Tokens(Usage usage) implements StreamPart {}

  /** The provider's terminator: the answer is complete. */
  record End() implements StreamPart {}
}
