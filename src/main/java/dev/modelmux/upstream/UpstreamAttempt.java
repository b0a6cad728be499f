package dev.modelmux.upstream;

import dev.modelmux.breaker.Breakers;
import dev.modelmux.core.ErrorKind;
import dev.modelmux.core.GatewayError;
import dev.modelmux.core.GatewayException;
import dev.modelmux.exchange.ClientResponse;
import dev.modelmux.exchange.Exchange;
import dev.modelmux.routing.Deployment;
import dev.modelmux.spi.Translator;
import dev.modelmux.stream.SseEventStream;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;

/**
 * One request sent to one deployment: the call ({@link UpstreamCall}), its deadlines ({@link Deadlines}), the gate to
 * the client ({@link CommitGate}) and, for streams, the relay ({@link StreamRelay}). Fails with a
 * {@link GatewayException} while nothing has reached the client (so the caller may try another deployment); once
 * committed it ends the client's stream itself, in-band error included, or leaves it open for a continuation.
 */
public final class UpstreamAttempt {
  private final Vertx vertx;
  private final Exchange exchange;
  private final ClientResponse client;
  /** This attempt's hold on the client's response: the only way it commits, writes or ends it. */
  private final ClientResponse.Writer writer;
  private final Deployment deployment;
  private final Translator translator;
  private final boolean stream;
  private final Handler<MultiMap> onHeaders;
  private final UpstreamCall call;
  /** Set when the attempt runs: its deadlines are worked out from what its deployment has learnt by then. */
  private Deadlines deadlines;
  private final Runnable cancelOnGone = () -> end(new AttemptOutcome.ClientGone());
  /** How the attempt ended: the first outcome wins, whoever reports it (the relay, a deadline, the client, a race). */
  private final Promise<AttemptOutcome> ending = Promise.promise();
  private final Promise<AttemptResult> result = Promise.promise();
  /** Continues a stream another attempt broke: appends to the committed response, which stays open on failure. */
  private boolean appends;
  /** On a provider failure after commit, leave the client's stream open for a continuation instead of ending it. */
  private boolean leavesBreakOpen;
  private boolean nowhereElse;
  private long startNanos;
  /** When the request went out on a connection (System.nanoTime), and when the provider's response began; 0 until then. */
  private long sentNanos;
  private long respondedNanos;
  private CommitGate gate;
  private StreamRelay relay;
  private SseEventStream events;

  /** @param onHeaders sees each successful upstream response's headers (rate-limit signals) */
  public UpstreamAttempt(Vertx vertx, UpstreamClients http, Exchange exchange, Deployment deployment, Translator translator,
      Handler<MultiMap> onHeaders) {
    this.vertx = vertx;
    this.exchange = exchange;
    this.client = exchange.response();
    this.writer = client.writer(this);
    this.deployment = deployment;
    this.translator = translator;
    this.stream = exchange.request().stream();
    this.onHeaders = onHeaders;
    this.call = new UpstreamCall(http.of(deployment), stream);
    ending.future().onSuccess(this::ended);
  }

  /**
   * No later candidate can take this request if the attempt fails before it answers: a learned deadline would only
   * turn a slow answer into an error, so the attempt waits up to the cap (unless the deadlines are configured).
   */
  public UpstreamAttempt nowhereElseToGo() {
    this.nowhereElse = true;
    return this;
  }

  /** This attempt continues a stream another attempt broke, appending to the response that attempt committed. */
  public UpstreamAttempt appendsToCommittedStream() {
    this.appends = true;
    return nowhereElseToGo(); // a continuation that fails ends the stream: no later candidate takes it over
  }

  /** With {@code allowed}, a provider failure after commit leaves the client's stream open for a continuation. */
  public UpstreamAttempt leavesBrokenStreamOpen(boolean allowed) {
    this.leavesBreakOpen = allowed;
    return this;
  }

  public Future<AttemptResult> run() {
    startNanos = System.nanoTime();
    gate = new CommitGate(writer, deployment, startNanos, appends);
    deadlines = new Deadlines(vertx, deployment.deadlines().forAttempt(stream, nowhereElse),
        what -> end(new AttemptOutcome.Failed(timeout(what))));
    exchange.attempting(deployment);
    client.onGone(cancelOnGone);
    deadlines.start();
    call.send(translator.upstreamBody(), deadlines.connectMs(), deployment.config().pool().maxWaitMs(), () -> {
      sentNanos = System.nanoTime();
      gate.sent(sentNanos);
      if (!appends) { // the pool wait is over: from here the provider has first_token_ms
        deadlines.awaitFirst(stream ? "first token" : "response headers");
      }
    }).onComplete(this::onResponse);
    return result.future();
  }

  private void onResponse(AsyncResult<HttpClientResponse> ar) {
    if (ar.failed()) {
      fail(ar.cause() instanceof UpstreamCall.PoolWait ? saturated() : unreachable(ar.cause()));
      return;
    }
    HttpClientResponse response = ar.result();
    respondedNanos = System.nanoTime();
    if (response.statusCode() == 200) {
      onHeaders.handle(response.headers()); // a 429's own headers are covered by the pause it causes
    }
    if (ending.future().isComplete()) {
      return;
    }
    if (!stream) {
      deadlines.watchGaps();
    }
    if (response.statusCode() != 200) {
      BoundedBody.error(response, deployment.config().bodyLimits().errorBytes(), deadlines::activity)
          .onComplete(body -> fail(body.succeeded() ? upstreamError(response, body.result()) : unreachable(body.cause())));
    } else if (stream) {
      if (appends) {
        deadlines.watchGaps();
      }
      events = new SseEventStream(response);
      relay = new StreamRelay(events, translator, gate, client, writer, deployment, deadlines, ending);
      relay.start();
    } else {
      BoundedBody.answer(response, deployment.config().bodyLimits().answerBytes(), deadlines::activity).onComplete(body -> {
        if (body.failed()) {
          fail(body.cause() instanceof BoundedBody.TooLarge tooLarge ? oversized(tooLarge) : unreachable(body.cause()));
          return;
        }
        Buffer answer;
        try {
          answer = translator.clientBody(body.result());
        } catch (RuntimeException e) {
          fail(ProtocolErrors.of(e, deployment, "answer"));
          return;
        }
        answer = gate.pass(answer, false);
        end(answer == null ? new AttemptOutcome.LostRace() : new AttemptOutcome.Complete(answer));
      });
    }
  }

  /** Stream events relayed after commit: roughly the completion tokens sent, when the provider never said. */
  public int contentEvents() {
    return relay == null ? 0 : relay.contentEvents();
  }

  /** Milliseconds from the attempt's start to its first content, -1 if it produced none. */
  public long ttftMs() {
    return gate == null ? -1 : gate.ttftMs();
  }

  /**
   * Milliseconds the request waited on its connection without a byte of answer: until the response began, or until
   * now when none did; 0 when it never got a connection.
   */
  public long silentMs() {
    if (sentNanos == 0) {
      return 0;
    }
    return ((respondedNanos != 0 ? respondedNanos : System.nanoTime()) - sentNanos) / 1_000_000;
  }

  public long elapsedMs() {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }

  /** Whether the provider has sent answer text, though post-processing may hold it from the client still. */
  public boolean answering() {
    return translator.answerStarted();
  }

  /** Another attempt won the race: stop the provider and step aside without touching the client. */
  public void lose() {
    end(new AttemptOutcome.LostRace());
  }

  /** The failure of an attempt that was overtaken by a faster one. */
  public static final class HedgeLost extends RuntimeException {
    HedgeLost() {
      super("overtaken by a hedged attempt", null, false, false);
    }
  }

  private void end(AttemptOutcome outcome) {
    ending.tryComplete(outcome);
  }

  private void fail(GatewayError error) {
    end(new AttemptOutcome.Failed(error));
  }

  /**
   * The one place this attempt's end is acted on, once: deadlines off, no longer cancelled by the client leaving, the
   * provider call dropped unless the answer is complete, then the result told to the request.
   */
  private void ended(AttemptOutcome outcome) {
    if (deadlines != null) { // null: it never ran (its breaker refused it), then lost a race
      deadlines.cancel();
      learn(outcome);
    }
    client.noLongerInFlight(cancelOnGone);
    if (outcome instanceof AttemptOutcome.Complete complete) {
      answered(complete.last());
      return;
    }
    call.drop();
    if (outcome instanceof AttemptOutcome.Failed failed) {
      failed(failed.error());
    } else if (outcome instanceof AttemptOutcome.LostRace) {
      result.fail(new HedgeLost());
    } else if (outcome instanceof AttemptOutcome.ClientGone) {
      // The client left: the upstream call is dropped at once so the provider stops generating (and billing).
      result.fail(clientGone("The client closed the connection."));
    } else if (outcome instanceof AttemptOutcome.Stalled) {
      // The client read nothing for its stall bound: the client's fault, not the provider's.
      result.fail(clientGone("The client read nothing for " + client.stallMs() + " ms; the stream was ended."));
    } else {
      result.fail(new IllegalStateException("an attempt outcome nobody acts on: " + outcome));
    }
  }

  /**
   * What the attempt taught about its deployment's latency, once, at its end: a streamed answer's longest gap (and, when
   * it completed, that a learned idle deadline need back off no longer), or that a learned first-token or idle deadline
   * expired (the next back off). A first token in time was taught when it came ({@link CommitGate}).
   */
  private void learn(AttemptOutcome outcome) {
    if (!stream) {
      return;
    }
    if (deadlines.firstMissed()) {
      deployment.deadlines().firstTokenExpired(deadlines.firstTokenMs());
      return;
    }
    if (deadlines.longestGapMs() >= 0) {
      deployment.state().recordLongestGap(deadlines.longestGapMs());
    }
    if (deadlines.idleMissed()) {
      deployment.deadlines().idleExpired(deadlines.idleMs());
    } else if (outcome instanceof AttemptOutcome.Complete) {
      deployment.state().streamCompleted();
    }
  }

  private void answered(Buffer last) {
    exchange.providerAnnotations(translator.providerAnnotations());
    writer.end(last);
    if (events != null) {
      call.release(vertx, events, deadlines.idleMs());
    }
    result.complete(new AttemptResult(deployment, translator.usage(), null, null, translator.answerFilter()));
  }

  private void failed(GatewayError error) {
    if (!gate.committed() || appends) {
      result.fail(new GatewayException(error)); // a continuation that fails ends with the original error, written by its caller
      return;
    }
    if (leavesBreakOpen && stream && Breakers.saysProviderIsUnwell(error) && !translator.toolsSeen()) {
      result.complete(new AttemptResult(deployment, translator.usage(), error, translator.textSoFar(), translator.answerFilter()));
      return;
    }
    client.endWithError(error);
    result.complete(new AttemptResult(deployment, translator.usage(), error));
  }

  private static GatewayException clientGone(String message) {
    return new GatewayException(GatewayError.of(ClientResponse.CLIENT_GONE, ErrorKind.INVALID_REQUEST, message));
  }

  private GatewayError upstreamError(HttpClientResponse response, Buffer body) {
    if (response.statusCode() < 400) { // a redirect (or a 1xx/2xx that is no answer) is never followed nor relayed
      return GatewayError.of(502, ErrorKind.UPSTREAM_ERROR, "Deployment '" + deployment.id() + "' answered HTTP "
          + response.statusCode() + ", which is neither an answer nor an error; redirects are not followed.");
    }
    try {
      return deployment.provider().error(deployment.config(), response.statusCode(), response.headers(), body);
    } catch (RuntimeException e) {
      return ProtocolErrors.of(e, deployment, "error body");
    }
  }

  private GatewayError oversized(BoundedBody.TooLarge cause) {
    return GatewayError.of(502, ErrorKind.UPSTREAM_ERROR, "Deployment '" + deployment.id() + "' sent an answer too large to relay ("
        + cause.getMessage() + ").");
  }

  private GatewayError timeout(String what) {
    return GatewayError.of(504, ErrorKind.TIMEOUT, "Deployment '" + deployment.id() + "' " + what + ".");
  }

  private GatewayError saturated() {
    return GatewayError.of(503, ErrorKind.SATURATED, "No connection to deployment '" + deployment.id()
        + "' came free within " + deployment.config().pool().maxWaitMs() + " ms (its pool.max_connections are all in use).");
  }

  private GatewayError unreachable(Throwable cause) {
    String reason = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    return GatewayError.of(502, ErrorKind.UPSTREAM_UNREACHABLE,
        "Could not get an answer from deployment '" + deployment.id() + "': " + reason);
  }
}
