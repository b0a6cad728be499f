package dev.modelmux.upstream;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.streams.ReadStream;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * One HTTP exchange with a deployment: open (pooled connection, the key in the provider's headers), send the body,
 * hand back the response. Dropping it resets the exchange so the provider stops generating, unless it already
 * finished on its own (resetting then would only kill a reusable connection). The call is itself the steps its
 * futures run (the connection opened, the response headers in), so sending allocates no lambda.
 */
final class UpstreamCall implements Function<HttpClientRequest, Future<HttpClientResponse>>, Handler<HttpClientResponse> {
  private final UpstreamClients.Target target;
  private final boolean stream;
  private Buffer body;
  private Runnable connected;
  private HttpClientRequest request;
  private Future<Void> responseEnd;
  private boolean dropped;

  UpstreamCall(UpstreamClients.Target target, boolean stream) {
    this.target = target;
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
    RequestOptions options = target.template().options(stream).setConnectTimeout(connectMs + maxWaitMs);
    this.body = body;
    this.connected = connected;
    return target.http().request(options).recover(UpstreamCall::poolWait).compose(this);
  }

  /** The connection is open: send the body, unless the call was dropped meanwhile. */
  @Override
  public Future<HttpClientResponse> apply(HttpClientRequest opened) {
    request = opened;
    connected.run();
    if (dropped) {
      opened.reset();
      return Future.future(never -> { });
    }
    return opened.send(body).onSuccess(this);
  }

  /** The response's headers are in: from here on, note when its body has ended. */
  @Override
  public void handle(HttpClientResponse response) {
    responseEnd = response.end();
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
    if (request != null && (responseEnd == null || !responseEnd.isComplete())) {
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
