package dev.modelmux.spi;

import dev.modelmux.core.GatewayException;
import dev.modelmux.core.SseEvent;
import dev.modelmux.core.StreamStep;
import dev.modelmux.core.Usage;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/**
 * Translates one request between one client dialect and one provider, in both directions. Created per attempt,
 * it holds the stream's state and the usage it saw. Methods throw {@link GatewayException} for answers that
 * cannot be relayed (malformed, truncated, or an error event from upstream).
 */
public interface Translator {
  /** The request body in the provider's wire format. */
  Buffer upstreamBody();

  /** A complete non-streamed upstream answer, rewritten in the client's dialect. */
  Buffer clientBody(Buffer upstreamBody);

  /** One upstream stream event: appends what the client must receive to {@code out}. */
  StreamStep onEvent(SseEvent event, Buffer out);

  /** The upstream stream ended without a COMPLETE step: append the finale, or throw if the answer is incomplete. */
  void onUpstreamEnd(Buffer out);

  /** Usage the provider reported so far. */
  Usage usage();

  /**
   * The model's answer text so far (what a continuation continues without repeating); with post-processing, the client
   * has what {@link #answerFilter()} let through of it.
   */
  String textSoFar();

  /**
   * Whether the provider has sent answer text, even if post-processing holds it from the client still: the model's
   * first token arrived, so from now on the attempt is timed by the gaps between events, not by the first-token deadline.
   */
  default boolean answerStarted() {
    return false;
  }

  /**
   * What the provider attached to its answer for the operator, not for the client (Azure's content-filter results),
   * taken out of what the client gets and kept for the interaction log; null when there was none.
   */
  default JsonObject providerAnnotations() {
    return null;
  }

  /** The post-processing this answer's text goes through (its state is the answer's so far); NONE for none. */
  default AnswerFilter answerFilter() {
    return AnswerFilter.NONE;
  }

  /** Whether the answer carried tool calls (those cannot be continued by another model). */
  boolean toolsSeen();
}
