package dev.modelmux.server;

import dev.modelmux.config.FrontDoorConfig;
import dev.modelmux.metrics.ConnectionMeters;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.impl.VertxConnection;
import java.util.HashMap;
import java.util.Map;

/**
 * Bounds what a client connection may hold without asking for anything: at most {@code max_connections} open, complete
 * headers within {@code header_timeout_ms} of connecting, and at most {@code idle_timeout_ms} between one response and
 * the next request's complete headers. A connection with a request in progress has no timer, so a long, quiet stream
 * the gateway relays is never cut by it. A response sent with {@code connection: close} (or before its request's body
 * was read, which then says so) closes the connection as soon as it is written. A client that closes its sending half
 * after a request still gets the answer; the connection closes after it. One guard per event loop; its connections and
 * timers never leave that loop.
 */
final class ConnectionGuard {
  private final Vertx vertx;
  private final FrontDoorConfig limits;
  private final ConnectionMeters meters;
  private final Map<HttpConnection, Watch> watches = new HashMap<>();
  private final Handler<HttpServerResponse> onResponseEnd;

  /** @param onResponseEnd told of every response that ended (or whose connection closed first), after the guard itself */
  ConnectionGuard(Vertx vertx, FrontDoorConfig limits, ConnectionMeters meters, Handler<HttpServerResponse> onResponseEnd) {
    this.vertx = vertx;
    this.limits = limits;
    this.meters = meters;
    this.onResponseEnd = onResponseEnd;
  }

  /** The server's connection handler. */
  void connected(HttpConnection connection) {
    if (!meters.tryOpen(limits.maxConnections())) {
      connection.close();
      return;
    }
    Watch watch = new Watch(connection);
    watches.put(connection, watch);
    connection.closeHandler(v -> {
      meters.closed();
      watch.disarm();
      watches.remove(connection);
    });
    watch.arm(limits.headerTimeoutMs(), meters::headerTimeout);
    if (connection instanceof VertxConnection vertxConnection) {
      Channel channel = vertxConnection.channel();
      channel.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
      channel.pipeline().addAfter("httpDecoder", "modelmux-version", new UnsupportedVersion());
      channel.pipeline().addBefore("handler", "modelmux-input-shutdown", new InputShutdown(watch::inputClosed));
    }
  }

  /** Wraps the server's request handler: a request whose headers arrived stops its connection's clock until it is answered. */
  Handler<HttpServerRequest> requests(Handler<HttpServerRequest> next) {
    return request -> {
      Watch watch = watches.get(request.connection());
      if (watch != null) {
        watch.started();
      }
      HttpServerResponse response = request.response();
      // An answer given before the body was read (a 401, a 413) leaves the rest of the body unread: nothing after it can be trusted.
      response.headersEndHandler(v -> {
        if (bodyPending(request)) {
          response.putHeader(HttpHeaders.CONNECTION, "close");
        }
      });
      // The response's only end handler: nothing else in the gateway may set one (ClientChannel uses the close handler);
      // whoever else must know when a response ended hears it through onResponseEnd.
      response.endHandler(v -> {
        if (watch != null) {
          watch.ended("close".equalsIgnoreCase(response.headers().get(HttpHeaders.CONNECTION)));
        }
        onResponseEnd.handle(response);
      });
      next.handle(request);
    };
  }

  /** Whether the request announced a body of which some has not been read yet. */
  private static boolean bodyPending(HttpServerRequest request) {
    if (request.isEnded()) {
      return false;
    }
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    return length != null && !length.strip().equals("0") || request.headers().contains(HttpHeaders.TRANSFER_ENCODING);
  }

  private final class Watch {
    private final HttpConnection connection;
    private int inProgress;
    private long timer = -1;
    private boolean inputClosed;

    Watch(HttpConnection connection) {
      this.connection = connection;
    }

    void started() {
     
      inProgress++;
      disarm();
    }

    /** @param close the response said {@code connection: close} */
    void ended(boolean close) {
      inProgress--;
      if (close || inputClosed && inProgress == 0) {
        disarm();
        closeAfterWrites();
      } else if (inProgress == 0) {
        arm(limits.idleTimeoutMs(), meters::idleTimeout);
      }
    }

    /** The client sent its last byte: once nothing is in progress there is nothing more to answer. */
    void inputClosed() {
      inputClosed = true;
      if (inProgress == 0) {
        disarm();
        closeAfterWrites();
      }
    }

    /** Closes (Vert.x flushes what was written first) once the step that ended the response has finished (its access log, say). */
    private void closeAfterWrites() {
      vertx.runOnContext(v -> connection.close());
    }

    void arm(long ms, Runnable count) {
      disarm();
      timer = vertx.setTimer(ms, id -> {
        timer = -1;
        count.run();
        connection.close();
      });
    }

    void disarm() {
      if (timer != -1) {
        vertx.cancelTimer(timer);
        timer = -1;
      }
    }
  }
}
