package dev.modelmux.upstream;

import dev.modelmux.routing.Deployment;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.streams.ReadStream;
import java.util.concurrent.TimeoutException;

/**
 * One HTTP exchange with a deployment: open (pooled connection, the key in the provider's headers), send the body,
 * hand back the response. Dropping it resets the exchange so the provider stops generating, unless it already
 * finished on its own (resetting then would only kill a reusable connection).
 */
final class UpstreamCall {
  private final HttpClient http;
  private final Deployment deployment;
  private final boolean stream;
  private HttpClientRequest request;
  private boolean ended;
  private boolean dropped;

  UpstreamCall(HttpClient http, Deployment deployment, boolean stream) {
    this.http = http;
    this.deployment = deployment;
    this.stream = stream;
  }

  /**
   * Fails with the connection's or the send's cause, or with {@link PoolWait} when no pooled connection came free
   * within {@code maxWaitMs}; a call dropped meanwhile never completes.
   *
   * @param connected runs once the connection is open, before the body goes out
   */
  Future<HttpClientResponse> send(Buffer body, long connectMs, long maxWaitMs, Runnable connected) {
    // The client's own connect timeout bounds the TCP connect; this one the wait for a pooled connection and that connect.
    RequestOptions options = deployment.provider().request(deployment.config(), stream).setConnectTimeout(connectMs + maxWaitMs);
    return http.request(options).recover(UpstreamCall::poolWait).compose(opened -> {
      request = opened;
      connected.run();
      if (dropped) {
        opened.reset();
        return Future.<HttpClientResponse>future(never -> { });
      }
      return opened.send(body);
    }).map(response -> {
      response.end().onComplete(v -> ended = true);
      return response;
    });
  }

  /** Still waiting in the pool when its wait ran out, or refused by a full wait queue: local saturation. */
  static final class PoolWait extends RuntimeException {
    PoolWait(Throwable cause) {
      super(cause.getMessage(), cause, false, false);
    }
  }

  private static Future<HttpClientRequest> poolWait(Throwable cause) {
    boolean waited = cause instanceof ConnectionPoolTooBusyException || cause instanceof TimeoutException;
    return Future.failedFuture(waited ? new PoolWait(cause) : cause);
  }

  void drop() {
    dropped = true;
    if (request != null && !ended) {
      request.reset();
    }
  }

  /**
   * After a complete answer the upstream may still owe its terminator ([DONE] after the usage chunk): read it out so
   * the connection returns to the pool, but reset it if the provider holds it open past {@code guardMs}.
   */
  <T> void release(Vertx vertx, ReadStream<T> rest, long guardMs) {
    rest.handler(ignored -> { });
    long guard = vertx.setTimer(guardMs, id -> request.reset());
    rest.endHandler(v -> vertx.cancelTimer(guard));
    rest.exceptionHandler(e -> vertx.cancelTimer(guard));
    rest.resume();
  }
}
