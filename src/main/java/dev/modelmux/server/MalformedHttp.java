package dev.modelmux.server;

import dev.modelmux.api.RequestIds;
import dev.modelmux.config.FrontDoorConfig;
import dev.modelmux.core.Dialect;
import dev.modelmux.core.ErrorKind;
import dev.modelmux.core.GatewayError;
import dev.modelmux.errors.ErrorResponses;
import dev.modelmux.metrics.ConnectionMeters;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.impl.VertxConnection;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Requests that are not valid HTTP: a short error in the client's dialect where the connection still allows a response
 * (400, 414, 431, 505 for a version other than HTTP/1.x), one WARN line without a stack trace (client bytes can be anything, so they are never quoted), and
 * the connection closed, since nothing after a framing error can be trusted.
 */
final class MalformedHttp {
  private static final Logger LOG = LoggerFactory.getLogger(MalformedHttp.class);

  private final FrontDoorConfig limits;
  private final ConnectionMeters meters;

  MalformedHttp(FrontDoorConfig limits, ConnectionMeters meters) {
    this.limits = limits;
    this.meters = meters;
  }

  /** The server's invalid-request handler: the request line or headers could not be decoded. */
  void invalidRequest(HttpServerRequest request) {
    Throwable cause = request.decoderResult().cause();
    if (cause instanceof PrematureChannelClosureException) {
      return; // closed mid-headers, by the client or by a header timeout: nobody to answer
    }
    GatewayError error;
    if (cause instanceof TooLongHttpLineException) {
      error = GatewayError.of(414, ErrorKind.REQUEST_TOO_LARGE,
          "The request line exceeds the limit of " + limits.maxLineBytes() + " bytes.");
    } else if (cause instanceof TooLongHttpHeaderException) {
      error = GatewayError.of(431, ErrorKind.REQUEST_TOO_LARGE,
          "The request headers exceed the limit of " + limits.maxHeaderBytes() + " bytes.");
    } else if (cause instanceof UnsupportedVersion.Refused refused) {
      error = GatewayError.of(505, ErrorKind.INVALID_REQUEST, refused.major == 2
          ? "HTTP/2 is not served on this port (no h2c); send HTTP/1.1."
          : "This HTTP version is not supported; send HTTP/1.1.");
    } else {
      error = GatewayError.invalid("The request is not valid HTTP (its request line or a header such as Content-Length"
          + " is malformed).", null, null);
    }
    answer(request, error, cause);
  }

  /**
   * A router failure handler for a body that broke off while it was read (a bad chunk size, say): answered and logged
   * here, since the router would log it with a stack trace and answer nothing. Other failures go on to the error handlers.
   */
  void unreadableBody(RoutingContext ctx) {
    Throwable cause = ctx.failure();
    if (cause instanceof HttpClosedException) {
      return; // the client left mid-body: nobody to answer, nothing to report
    }
    if (cause == null || ctx.statusCode() != 200 && ctx.statusCode() != 400 || ctx.request().isEnded()) {
      ctx.next();
      return;
    }
    answer(ctx.request(), GatewayError.invalid("The request body could not be read (malformed chunked encoding).", null, null), cause);
  }

  private void answer(HttpServerRequest request, GatewayError error, Throwable cause) {
    meters.malformed();
    Dialect dialect = request.path() != null && request.path().startsWith("/v1/messages") ? Dialect.ANTHROPIC : Dialect.OPENAI;
    LOG.warn("malformed HTTP from {} on {} {}: {} ({}); answered {}", request.remoteAddress(), request.method(),
        shortPath(request.path()), error.message(), cause == null ? "no cause" : cause.getClass().getSimpleName(),
        ErrorResponses.status(dialect, error));
    request.response().putHeader(HttpHeaders.CONNECTION, "close");
    ErrorResponses.send(request.response(), dialect, RequestIds.of(request), error);
    // After a body decoding failure Vert.x closes the channel as soon as this returns, before its end-of-read flush.
    if (request.connection() instanceof VertxConnection connection) {
      connection.flush();
    }
  }

  private static String shortPath(String path) {
    return path == null ? "?" : path.length() > 100 ? path.substring(0, 100) + "..." : path;
  }
}
