package dev.modelmux.api;

import dev.modelmux.gateway.GatewayError;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;

/** Sends an error before any answer exists (bad input, unknown path), in the client's dialect. */
public final class ErrorResponses {
  private ErrorResponses() {}

  public static void send(HttpServerResponse response, ClientDialect dialect, String requestId, GatewayError error) {
    if (response.ended() || response.headWritten()) {
      return;
    }
    MultiMap headers = response.setStatusCode(dialect.status(error)).headers();
    headers.set(HttpHeaders.CONTENT_TYPE, "application/json");
    headers.set("x-request-id", requestId);
    headers.set("x-modelmux-deployment", "none");
    dialect.errorHeaders(error, headers);
    response.end(dialect.errorBody(error));
  }
}
