package dev.modelmux.upstream;

import dev.modelmux.core.ErrorKind;
import dev.modelmux.core.GatewayError;
import dev.modelmux.core.SseEvent;
import dev.modelmux.core.StreamStep;
import dev.modelmux.exchange.ClientResponse;
import dev.modelmux.routing.Deployment;
import dev.modelmux.spi.Translator;
import dev.modelmux.stream.SseEventStream;
import dev.modelmux.stream.SseParser;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;

/**
 * Relays one upstream event stream to the client through the attempt's translator: held until content, then
 * committed through the gate and written with backpressure — while the client's write queue is full the upstream
 * is paused, and the provider's deadlines with it. It completes the attempt's end with how the stream ended
 * ({@link AttemptOutcome}); the attempt decides what that means. After commit the output of the events that came in
 * one network chunk is written in one go at the chunk's end (in order, before anything that ends the attempt).
 */
final class StreamRelay {
  private final SseEventStream events;
  private final Translator translator;
  private final CommitGate gate;
  private final ClientResponse client;
  private final ClientResponse.Writer writer;
  private final Deployment deployment;
  private final Deadlines deadlines;
  private final Promise<AttemptOutcome> ending;
  private int contentEvents;
  private boolean heldTextTimed;
  /** After commit, what this chunk's events have for the client so far; written at the chunk's end. */
  private Buffer pending;

  /**
   * @param writer the attempt's hold on the client's response
   * @param ending the attempt's end, which the relay completes with how the stream ended; once it is complete (a
   *     deadline, the client leaving) the stream is ignored
   */
  StreamRelay(SseEventStream events, Translator translator, CommitGate gate, ClientResponse client, ClientResponse.Writer writer,
      Deployment deployment, Deadlines deadlines, Promise<AttemptOutcome> ending) {
    this.writer = writer;
    this.events = events;
    this.translator = translator;
    this.gate = gate;
    this.client = client;
    this.deployment = deployment;
    this.deadlines = deadlines;
    this.ending = ending;
  }

  void start() {
    events.handler(this::event);
    events.exceptionHandler(this::broken);
    events.endHandler(v -> ended());
    events.chunkEndHandler(v -> writePending());
  }

  /** Stream events relayed after commit: roughly the completion tokens sent, when the provider never said. */
  int contentEvents() {
    return contentEvents;
  }

  private void event(SseEvent event) {
    if (over()) {
      return;
    }
    deadlines.activity();
    boolean committed = gate.committed();
    Buffer out = committed ? pending() : Buffer.buffer();
    int before = out.length();
    StreamStep step;
    try {
      step = translator.onEvent(event, out);
    } catch (RuntimeException e) {
      if (committed) {
        pending = out.slice(0, before); // what the event appended before it failed is not the client's
      }
      finish(new AttemptOutcome.Failed(ProtocolErrors.of(e, deployment, "stream event")));
      return;
    }
    if (!committed) {
      if (step == StreamStep.HOLD) {
        gate.hold(out);
        if (!heldTextTimed && translator.answerStarted()) {
          heldTextTimed = true; // text arrived but post-processing holds it: the provider did answer, time the gaps now
          deadlines.watchGaps();
        }
        return;
      }
      pending = gate.pass(out, true);
      if (pending == null) {
        ending.tryComplete(new AttemptOutcome.LostRace());
        return;
      }
      deadlines.watchGaps();
    }
    contentEvents++;
    if (step == StreamStep.COMPLETE) {
      Buffer last = pending;
      pending = null;
      ending.tryComplete(new AttemptOutcome.Complete(last));
    }
  }

  private Buffer pending() {
    if (pending == null) {
      pending = Buffer.buffer();
    }
    return pending;
  }

  /** Writes what this chunk's events had for the client; while the client's write queue is full the upstream waits. */
  private void writePending() {
    Buffer out = pending;
    pending = null;
    if (out == null || over()) {
      return;
    }
    writer.write(out);
    if (client.writeQueueFull()) {
      events.pause();
      deadlines.suspend();
      client.awaitDrain(() -> {
        deadlines.resume();
        events.resume();
      }, () -> ending.tryComplete(new AttemptOutcome.Stalled()));
    }
  }

  /** Ends the attempt after the client got what the events before had for it. */
  private void finish(AttemptOutcome outcome) {
    Buffer out = pending;
    pending = null;
    if (out != null && !over()) {
      writer.write(out);
    }
    ending.tryComplete(outcome);
  }

  private void ended() {
    if (over()) {
      return;
    }
    writePending();
    Buffer out = Buffer.buffer();
    try {
      translator.onUpstreamEnd(out);
    } catch (RuntimeException e) {
      ending.tryComplete(new AttemptOutcome.Failed(ProtocolErrors.of(e, deployment, "end of stream")));
      return;
    }
    out = gate.pass(out, true);
    ending.tryComplete(out == null ? new AttemptOutcome.LostRace() : new AttemptOutcome.Complete(out));
  }

  private void broken(Throwable cause) {
    if (over()) {
      return;
    }
    finish(new AttemptOutcome.Failed(GatewayError.of(502, ErrorKind.UPSTREAM_ERROR, cause instanceof SseParser.TooLong
        ? "Deployment '" + deployment.id() + "' sent an oversized stream event."
        : "Deployment '" + deployment.id() + "' broke off the stream before the answer was complete.")));
  }

  private boolean over() {
    return ending.future().isComplete();
  }
}
