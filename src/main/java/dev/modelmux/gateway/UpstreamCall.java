package dev.modelmux.gateway;

import dev.modelmux.routing.Deployment;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.streams.ReadStream;

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

  /** Fails with the connection's or the send's cause; a call dropped meanwhile never completes. */
  Future<HttpClientResponse> send(Buffer body, long connectMs) {
    RequestOptions options = deployment.provider().request(deployment.config(), stream).setConnectTimeout(connectMs);
    return http.request(options).compose(opened -> {
      request = opened;
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
