package dev.modelmux.api;

import dev.modelmux.gateway.GatewayError;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import java.util.function.Consumer;

/** Sends an error before any answer exists (bad input, unknown path), in the client's dialect. */
public final class ErrorResponses {
  private ErrorResponses() {}

  public static void send(HttpServerResponse response, ClientDialect dialect, String requestId, GatewayError error) {
    send(response, dialect, error, headers -> {
      headers.set("x-request-id", requestId);
      headers.set("x-modelmux-deployment", "none");
    });
  }

  /** @param identify adds the headers that say which request (and route, deployment) this was */
  public static void send(HttpServerResponse response, ClientDialect dialect, GatewayError error, Consumer<MultiMap> identify) {
    if (response.ended() || response.headWritten()) {
      return;
    }
    MultiMap headers = response.setStatusCode(dialect.status(error)).headers();
    headers.set(HttpHeaders.CONTENT_TYPE, "application/json");
    identify.accept(headers);
    dialect.errorHeaders(error, headers);
    response.end(dialect.errorBody(error));
  }
}
