package dev.modelmux.emulator;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;

/**
 * Plays one {@link AnswerPlan} onto its exchange with the model's timing and the fault drawn for the
 * request: a stream (headers and the opening event at once, the first token after ttft (+ a slow
 * fault's delay), the next ones interTokenMs apart, written only while the peer keeps up) or a single
 * body after ttft + interTokenMs × (tokens − 1). Faults that act before any answer are played by
 * {@link ChatHandler}.
 */
final class AnswerPlayer {
  private final WireFormat format;
  private final Exchange exchange;
  private final AnswerPlan plan;
  private final ResponseMeta meta;
  private final EmulatedModel model;
  private final Fault fault;
  private final RateLimitState rateLimit;
  private final ModelCounters counters;

  private List<StreamEvent> events;
  private int next;
  private int delayedFor = -1;
  private int tokensSent;
  private boolean faultPlayed;

  AnswerPlayer(WireFormat format, Exchange exchange, AnswerPlan plan, ResponseMeta meta, EmulatedModel model,
      Fault fault, RateLimitState rateLimit, ModelCounters counters) {
    this.format = format;
    this.exchange = exchange;
    this.plan = plan;
    this.meta = meta;
    this.model = model;
    this.fault = fault;
    this.rateLimit = rateLimit;
    this.counters = counters;
  }

  private long slowDelay() {
    return fault.kind() == Fault.Kind.SLOW_FIRST_TOKEN ? fault.delayMs() : 0;
  }

  // ---- non-streamed ----

  void respond() {
    long delay = model.ttftMs() + slowDelay() + model.interTokenMs() * Math.max(0, plan.tokenEvents() - 1);
    exchange.after(delay, this::sendBody);
  }

  private void sendBody() {
    switch (fault.kind()) {
      case CUT -> exchange.closeConnection();
      case STALL -> endSilenceAfterDelay(exchange::closeConnection); // accepted, never answered
      case MALFORMED_CHUNK -> {
        head("application/json");
        exchange.answered();
        exchange.response().end(format.malformedCompletion(meta));
      }
      case MISSING_DONE -> {
        head("application/json");
        exchange.response().setChunked(true).write(format.completion(plan, meta));
        counters.served(plan); // the whole answer, but the body never ends (or ends after delay_ms)
        endSilenceAfterDelay(this::endWithoutTerminator);
      }
      default -> {
        head("application/json");
        counters.served(plan);
        exchange.answered();
        exchange.response().end(format.completion(plan, meta));
      }
    }
  }

  private void head(String contentType) {
    HttpServerResponse response = exchange.response();
    format.commonHeaders(response.headers(), meta, rateLimit);
    response.setStatusCode(200).putHeader("content-type", contentType);
    counters.status(200);
  }

  // ---- streamed ----

  void stream() {
    head(format.streamContentType());
    HttpServerResponse response = exchange.response();
    response.setChunked(true).putHeader("cache-control", "no-cache");
    events = plan.events();
    Buffer opening = format.event(events.get(0), plan, meta);
    response.write(opening == null ? Buffer.buffer() : opening);
    next = 1;
    step();
  }

  /** Writes as far as timing, faults and the peer's reading allow; re-entered by timers and drain. */
  private void step() {
    HttpServerResponse response = exchange.response();
    while (!exchange.over()) {
      if (next >= events.size()) {
        counters.streamsCompleted.increment();
        exchange.answered();
        response.end();
        return;
      }
      StreamEvent event = events.get(next);
      long delay = delayBefore(next, event);
      if (delay > 0 && delayedFor != next) {
        delayedFor = next;
        exchange.after(delay, this::step);
        return;
      }
      if (!faultPlayed && (event.token() || event instanceof StreamEvent.Finish) && tokensSent >= fault.afterTokens()) {
        switch (fault.kind()) {
          case CUT -> {
            faultPlayed = true;
            exchange.closeConnection();
            return;
          }
          case STALL -> {
            faultPlayed = true;
            endSilenceAfterDelay(exchange::closeConnection);
            return; // silent, connection open, until the peer leaves or delay_ms passes
          }
          case MALFORMED_CHUNK -> {
            faultPlayed = true;
            response.write(format.malformedEvent(meta));
          }
          case STREAM_ERROR -> {
            faultPlayed = true;
            exchange.answered(); // the in-band error ends the response; no terminator follows
            response.end(format.streamError(meta));
            return;
          }
          default -> { }
        }
      }
      if (event instanceof StreamEvent.Done && fault.kind() == Fault.Kind.MISSING_DONE) {
        endSilenceAfterDelay(this::endWithoutTerminator);
        return; // everything but the terminator; the connection stays open until the peer closes it or delay_ms passes
      }
      if (response.writeQueueFull()) {
        counters.drainWaits.increment();
        response.drainHandler(v -> {
          response.drainHandler(null);
          step();
        });
        return;
      }
      Buffer bytes = format.event(event, plan, meta);
      if (bytes != null) {
        response.write(bytes);
      }
      if (event.token()) {
        tokensSent++;
        counters.piecesSent.increment();
      }
      if (event instanceof StreamEvent.Finish) {
        counters.served(plan);
      }
      next++;
    }
  }

  /** A fault's silence (NO_RESPONSE, STALL, MISSING_DONE) ends after its delay_ms, when set; until the peer leaves otherwise. */
  private void endSilenceAfterDelay(Runnable end) {
    if (fault.delayMs() > 0) {
      exchange.after(fault.delayMs(), end);
    }
  }

  /** The response ends cleanly at the HTTP level, its terminator never sent. */
  private void endWithoutTerminator() {
    exchange.answered();
    exchange.response().end();
  }

  /** ttft (+ slow fault) before the first event after the opening one, interTokenMs before later tokens. */
  private long delayBefore(int index, StreamEvent event) {
    if (index == 1) {
      return model.ttftMs() + slowDelay();
    }
    return event.token() ? model.interTokenMs() : 0;
  }
}
