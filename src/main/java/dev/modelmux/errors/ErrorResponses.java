package dev.modelmux.errors;

import dev.modelmux.core.Dialect;
import dev.modelmux.core.GatewayError;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import java.util.function.Consumer;

/** Sends an error before any answer exists (bad input, unknown path), in the client's dialect. */
public final class ErrorResponses {
  private ErrorResponses() {}

  public static void send(HttpServerResponse response, Dialect dialect, String requestId, GatewayError error) {
    send(response, dialect, error, headers -> {
      headers.set("x-request-id", requestId);
      headers.set("x-modelmux-deployment", "none");
    });
  }

  /** @param identify adds the headers that say which request (and route, deployment) this was */
  public static void send(HttpServerResponse response, Dialect dialect, GatewayError error, Consumer<MultiMap> identify) {
    if (response.ended() || response.headWritten()) {
      return;
    }
    ErrorFormat format = ErrorFormat.of(dialect);
    MultiMap headers = response.setStatusCode(format.status(error)).headers();
    headers.set(HttpHeaders.CONTENT_TYPE, "application/json");
    identify.accept(headers);
    format.errorHeaders(error, headers);
    response.end(format.errorBody(error));
  }

  /** The status the client sees for the error, in its dialect. */
  public static int status(Dialect dialect, GatewayError error) {
    return ErrorFormat.of(dialect).status(error);
  }
}
