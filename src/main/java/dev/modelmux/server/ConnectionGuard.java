package dev.modelmux.server;

import dev.modelmux.config.FrontDoorConfig;
import dev.modelmux.metrics.ConnectionMeters;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.HashMap;
import java.util.Map;

/**
 * Bounds what a client connection may hold without asking for anything: at most {@code max_connections} open, complete
 * headers within {@code header_timeout_ms} of connecting, and at most {@code idle_timeout_ms} between one response and
 * the next request's complete headers. A connection with a request in progress has no timer, so a long, quiet stream
 * the gateway relays is never cut by it. One guard per event loop; its connections and timers never leave that loop.
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
  }

  /** Wraps the server's request handler: a request whose headers arrived stops its connection's clock until it is answered. */
  Handler<HttpServerRequest> requests(Handler<HttpServerRequest> next) {
    return request -> {
      Watch watch = watches.get(request.connection());
      if (watch != null) {
        watch.started();
      }
      HttpServerResponse response = request.response();
      // The response's only end handler: nothing else in the gateway may set one (ClientChannel uses the close handler);
      // whoever else must know when a response ended hears it through onResponseEnd.
      response.endHandler(v -> {
        if (watch != null) {
          watch.ended();
        }
        onResponseEnd.handle(response);
      });
      next.handle(request);
    };
  }

  private final class Watch {
    private final HttpConnection connection;
    private int inProgress;
    private long timer = -1;

    Watch(HttpConnection connection) {
      this.connection = connection;
    }

    void started() {
     
      inProgress++;
      disarm();
    }

    void ended() {
      inProgress--;
      if (inProgress == 0) {
        arm(limits.idleTimeoutMs(), meters::idleTimeout);
      }
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
