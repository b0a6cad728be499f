package dev.modelmux.upstream;

import dev.modelmux.core.ErrorKind;
import dev.modelmux.core.GatewayError;
import dev.modelmux.core.SseEvent;
import dev.modelmux.core.StreamStep;
import dev.modelmux.exchange.ClientResponse;
import dev.modelmux.routing.Deployment;
import dev.modelmux.spi.Translator;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.ReadStream;

/**
 * Relays one upstream event stream to the client through the attempt's translator: held until content, then
 * committed through the gate and written with backpressure — while the client's write queue is full the upstream
 * is paused, and the provider's deadlines with it. It completes the attempt's end with how the stream ended
 * ({@link AttemptOutcome}); the attempt decides what that means.
 */
final class StreamRelay {
  private final ReadStream<SseEvent> events;
  private final Translator translator;
  private final CommitGate gate;
  private final ClientResponse client;
  private final ClientResponse.Writer writer;
  private final Deployment deployment;
  private final Deadlines deadlines;
  private final Promise<AttemptOutcome> ending;
  private int contentEvents;
  private boolean heldTextTimed;

  /**
   * @param writer the attempt's hold on the client's response
   * @param ending the attempt's end, which the relay completes with how the stream ended; once it is complete (a
   *     deadline, the client leaving) the stream is ignored
   */
  StreamRelay(ReadStream<SseEvent> events, Translator translator, CommitGate gate, ClientResponse client, ClientResponse.Writer writer,
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
    Buffer out = Buffer.buffer();
    StreamStep step;
    try {
      step = translator.onEvent(event, out);
    } catch (RuntimeException e) {
      ending.tryComplete(new AttemptOutcome.Failed(ProtocolErrors.of(e, deployment, "stream event")));
      return;
    }
    if (!gate.committed()) {
      if (step == StreamStep.HOLD) {
        gate.hold(out);
        if (!heldTextTimed && translator.answerStarted()) {
          heldTextTimed = true; // text arrived but post-processing holds it: the provider did answer, time the gaps now
          deadlines.watchGaps();
        }
        return;
      }
      out = gate.pass(out, true);
      if (out == null) {
        ending.tryComplete(new AttemptOutcome.LostRace());
        return;
      }
      deadlines.watchGaps();
    }
    contentEvents++;
    if (step == StreamStep.COMPLETE) {
      ending.tryComplete(new AttemptOutcome.Complete(out));
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

  private void ended() {
    if (over()) {
      return;
    }
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
    ending.tryComplete(new AttemptOutcome.Failed(GatewayError.of(502, ErrorKind.UPSTREAM_ERROR, cause instanceof IllegalStateException
        ? "Deployment '" + deployment.id() + "' sent an oversized stream event."
        : "Deployment '" + deployment.id() + "' broke off the stream before the answer was complete.")));
  }

  private boolean over() {
    return ending.future().isComplete();
  }
}
