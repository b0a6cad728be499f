package dev.modelmux.gateway;

import dev.modelmux.core.GatewayError;
import dev.modelmux.core.ErrorKind;
import dev.modelmux.core.GatewayException;
import dev.modelmux.core.StreamStep;
import dev.modelmux.core.Translator;
import dev.modelmux.config.Timeouts;
import dev.modelmux.resilience.Breakers;
import dev.modelmux.routing.Deployment;
import dev.modelmux.stream.SseParser;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.RequestOptions;

/**
 * One request sent to one deployment. Fails with a {@link GatewayException} while nothing has reached the
 * client (so the caller may try another deployment); once committed, relays the stream with backpressure and
 * ends it itself, in-band error included. Deadlines: connect, first token, idle gap, total.
 */
final class UpstreamAttempt {
  private final Vertx vertx;
  private final HttpClient http;
  private final ClientChannel client;
  private final Deployment deployment;
  private final Translator translator;
  private final boolean stream;
  private final Timeouts timeouts;
  private final Handler<MultiMap> onHeaders;
  private final Runnable cancelOnGone = this::cancel;
  private Runnable onCommit = () -> { };
  /** Continues a stream another attempt broke: the client's response is already committed and stays open on failure. */
  private boolean continuing;
  /** On a provider failure after commit, leave the client's stream open for a continuation instead of ending it. */
  private boolean continuable;
  private long startNanos;
  private long ttftMs = -1;
  private int contentEvents;
  private final Promise<AttemptResult> result = Promise.promise();
  private final Buffer held = Buffer.buffer();
  private HttpClientRequest upstream;
  private HttpClientResponse response;
  private boolean done;
  private boolean committedHere;
  /** The upstream exchange finished on its own: resetting it now would only kill a reusable connection. */
  private boolean upstreamEnded;
  private long lastActivityNanos;
  private long deadlineTimer = -1;
  private long totalTimer = -1;

  /** @param onHeaders sees each successful upstream response's headers (rate-limit signals) */
  UpstreamAttempt(Vertx vertx, HttpClient http, ClientChannel client, Deployment deployment, Translator translator,
      Handler<MultiMap> onHeaders) {
    this.vertx = vertx;
    this.http = http;
    this.client = client;
    this.deployment = deployment;
    this.translator = translator;
    this.stream = client.request().stream();
    this.timeouts = deployment.config().timeouts();
    this.onHeaders = onHeaders;
  }

  UpstreamAttempt continuing() {
    this.continuing = true;
    return this;
  }

  UpstreamAttempt continuable(boolean allowed) {
    this.continuable = allowed;
    return this;
  }

  /** Called once, when this attempt takes the client's response, just before its headers go out. */
  UpstreamAttempt onCommit(Runnable action) {
    this.onCommit = action;
    return this;
  }

  Future<AttemptResult> run() {
    startNanos = System.nanoTime();
    committedHere = continuing;
    client.attempting(deployment);
    client.onGone(cancelOnGone);
    RequestOptions options = deployment.provider().request(deployment.config(), stream).setConnectTimeout(timeouts.connectMs());
    totalTimer = vertx.setTimer(timeouts.totalMs(), id -> fail(timeout("did not finish within " + timeouts.totalMs() + " ms")));
    if (stream) {
      deadlineTimer = vertx.setTimer(timeouts.firstTokenMs(), id -> {
        if (!committedHere) {
          fail(timeout("sent no first token within " + timeouts.firstTokenMs() + " ms"));
        }
      });
    }
    http.request(options).onComplete(this::onConnected);
    return result.future();
  }

  private void onConnected(AsyncResult<HttpClientRequest> ar) {
    if (ar.failed()) {
      fail(unreachable(ar.cause()));
      return;
    }
    upstream = ar.result();
    if (done) {
      upstream.reset();
      return;
    }
    upstream.send(translator.upstreamBody()).onComplete(this::onResponse);
  }

  private void onResponse(AsyncResult<HttpClientResponse> ar) {
    if (ar.failed()) {
      fail(unreachable(ar.cause()));
      return;
    }
    response = ar.result();
    response.end().onComplete(v -> upstreamEnded = true);
    if (response.statusCode() == 200) {
      onHeaders.handle(response.headers()); // a 429's own headers are covered by the pause it causes
    }
    if (done) {
      return;
    }
    if (response.statusCode() != 200) {
      response.body().onComplete(body -> fail(body.succeeded()
          ? deployment.provider().error(deployment.config(), response.statusCode(), response.headers(), body.result())
          : unreachable(body.cause())));
    } else if (stream) {
      if (continuing) {
        lastActivityNanos = System.nanoTime();
        watchIdleGaps();
      }
      relay();
    } else {
      response.body().onComplete(body -> {
        if (body.failed()) {
          fail(unreachable(body.cause()));
          return;
        }
        Buffer answer;
        try {
          answer = translator.clientBody(body.result());
        } catch (GatewayException e) {
          fail(e.error());
          return;
        }
        if (commit(false)) {
          finish(answer);
        }
      });
    }
  }

  private void relay() {
    SseParser parser = new SseParser(event -> {
      if (done) {
        return;
      }
      lastActivityNanos = System.nanoTime();
      Buffer out = Buffer.buffer();
      StreamStep step = translator.onEvent(event, out);
      if (!committedHere) {
        if (step == StreamStep.HOLD) {
          held.appendBuffer(out);
          return;
        }
        if (!commit(true)) {
          return;
        }
        watchIdleGaps();
        out = held.appendBuffer(out);
      }
      contentEvents++;
      if (step == StreamStep.COMPLETE) {
        finish(out);
        return;
      }
      client.write(out);
      if (client.writeQueueFull()) {
        response.pause();
        client.drainHandler(v -> response.resume());
      }
    });
    response.handler(chunk -> {
      try {
        parser.handle(chunk);
      } catch (GatewayException e) {
        fail(e.error());
      } catch (IllegalStateException tooLong) {
        fail(GatewayError.of(502, ErrorKind.UPSTREAM_ERROR, "Deployment '" + deployment.id() + "' sent an oversized stream event."));
      }
    });
    response.exceptionHandler(e -> fail(GatewayError.of(502, ErrorKind.UPSTREAM_ERROR,
        "Deployment '" + deployment.id() + "' broke off the stream before the answer was complete.")));
    response.endHandler(v -> {
      if (done) {
        return;
      }
      Buffer out = Buffer.buffer();
      try {
        translator.onUpstreamEnd(out);
      } catch (GatewayException e) {
        fail(e.error());
        return;
      }
      if (!committedHere) {
        if (!commit(true)) {
          return;
        }
        out = held.appendBuffer(out);
      }
      finish(out);
    });
  }

  /** Stream events relayed after commit: roughly the completion tokens sent, when the provider never said. */
  int contentEvents() {
    return contentEvents;
  }

  /** Commits the client's response to this attempt, unless a racing attempt (a hedge) already has it. */
  private boolean commit(boolean stream) {
    if (!client.claim(this, deployment)) {
      lose();
      return false;
    }
    committedHere = true;
    onCommit.run();
    client.commit(stream);
    ttftMs = (System.nanoTime() - startNanos) / 1_000_000;
    deployment.state().recordTtft(ttftMs);
    return true;
  }

  /** Another attempt won the race: stop the provider and step aside without touching the client. */
  void lose() {
    if (stop(true)) {
      result.fail(new HedgeLost());
    }
  }

  /**
   * Ends this attempt's part in the request once: deadlines off, no longer cancelled by the client leaving, and
   * with {@code dropUpstream} the provider call reset unless it already finished on its own. False if already ended.
   */
  private boolean stop(boolean dropUpstream) {
    if (done) {
      return false;
    }
    done = true;
    vertx.cancelTimer(deadlineTimer);
    vertx.cancelTimer(totalTimer);
    client.noLongerInFlight(cancelOnGone);
    if (dropUpstream && upstream != null && !upstreamEnded) {
      upstream.reset();
    }
    return true;
  }

  /** The failure of an attempt that was overtaken by a faster one. */
  static final class HedgeLost extends RuntimeException {
    HedgeLost() {
      super("overtaken by a hedged attempt", null, false, false);
    }
  }

  /** Milliseconds from the attempt's start to its first content, -1 if it produced none. */
  long ttftMs() {
    return ttftMs;
  }

  long elapsedMs() {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }

  /** One timer for the idle deadline, re-armed for the remaining time instead of per chunk. */
  private void watchIdleGaps() {
    vertx.cancelTimer(deadlineTimer);
    deadlineTimer = vertx.setTimer(timeouts.idleMs(), this::checkIdle);
  }

  private void checkIdle(long id) {
    if (done) {
      return;
    }
    long idleMs = (System.nanoTime() - lastActivityNanos) / 1_000_000;
    if (idleMs >= timeouts.idleMs()) {
      fail(timeout("went silent for " + idleMs + " ms mid-stream"));
    } else {
      deadlineTimer = vertx.setTimer(timeouts.idleMs() - idleMs, this::checkIdle);
    }
  }

  private void finish(Buffer last) {
    if (!stop(false)) {
      return;
    }
    client.end(last);
    releaseUpstream();
    result.complete(new AttemptResult(deployment, translator.usage(), null));
  }

  private void fail(GatewayError error) {
    if (!stop(true)) {
      return;
    }
    if (!committedHere || continuing) {
      result.fail(new GatewayException(error)); // a continuation that fails ends with the original error, written by its caller
      return;
    }
    if (continuable && stream && Breakers.saysProviderIsUnwell(error) && !translator.toolsSeen()) {
      result.complete(new AttemptResult(deployment, translator.usage(), error, translator.textSoFar()));
      return;
    }
    client.endWithError(error);
    result.complete(new AttemptResult(deployment, translator.usage(), error));
  }

  /** The client left: drop the upstream call at once so the provider stops generating (and billing). */
  private void cancel() {
    if (!stop(true)) {
      return;
    }
    result.fail(new GatewayException(GatewayError.of(499, ErrorKind.INVALID_REQUEST, "The client closed the connection.")));
  }

  /**
   * After a complete answer the upstream may still owe its terminator ([DONE] after the usage chunk): read it
   * out so the connection returns to the pool, but reset it if the provider holds it open past the idle deadline.
   */
  private void releaseUpstream() {
    if (response == null || !stream) {
      return;
    }
    response.handler(ignored -> { });
    response.resume();
    long guard = vertx.setTimer(timeouts.idleMs(), id -> upstream.reset());
    response.endHandler(v -> vertx.cancelTimer(guard));
    response.exceptionHandler(e -> vertx.cancelTimer(guard));
  }

  private GatewayError timeout(String what) {
    return GatewayError.of(504, ErrorKind.TIMEOUT, "Deployment '" + deployment.id() + "' " + what + ".");
  }

  private GatewayError unreachable(Throwable cause) {
    String reason = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    return GatewayError.of(502, ErrorKind.UPSTREAM_UNREACHABLE,
        "Could not get an answer from deployment '" + deployment.id() + "': " + reason);
  }
}
