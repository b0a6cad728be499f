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
import java.util.concurrent.TimeUnit;

/**
 * Bounds what a client connection may hold without asking for anything: at most {@code max_connections} open, complete
 * headers within {@code header_timeout_ms} of connecting, and at most {@code idle_timeout_ms} between one response and
 * the next request's complete headers. A connection with a request in progress has no deadline, so a long, quiet stream
 * the gateway relays is never cut by it. A response sent with {@code connection: close} (or before its request's body
 * was read, which then says so) closes the connection as soon as it is written. A client that closes its sending half
 * after a request still gets the answer; the connection closes after it. One guard per event loop; its connections and
 * timers never leave that loop.
 */
final class ConnectionGuard {
  /** How soon after a FIN the second probe is written (a reset on loopback takes microseconds), doubling up to the last. */
  private static final long FIRST_PROBE_MS = 10;
  private static final long LAST_PROBE_MS = 1_000;
  /** How long the rest of a refused body is read and dropped before its connection closes. */
  private static final long LINGER_MS = 2_000;
  private static final long LINGER_QUIET_MS = 250;
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
      watch.closed();
      watches.remove(connection);
      watch.stopProbing();
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
        watch.started(request);
      }
      HttpServerResponse response = request.response();
      // An answer given before the body was read (a 401, a 413) leaves the rest of the body unread: nothing after it can be trusted.
      response.headersEndHandler(v -> {
        if (bodyPending(request)) {
          response.putHeader(HttpHeaders.CONNECTION, "close");
        }
      });
      // The response's only end handler: nothing else in the gateway may set one (ClientResponse uses the close handler);
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
    /** When the timer set fires ({@link System#nanoTime}), and when the connection is due to close while armed. */
    private long timerDue;
    private long deadline;
    /** What counts the close when the deadline passes; null while disarmed. */
    private Runnable onExpiry;
    private long probe = -1;
    private boolean inputClosed;
    private HttpServerRequest current;

    Watch(HttpConnection connection) {
      this.connection = connection;
    }

    void started(HttpServerRequest request) {
      inProgress++;
      current = request;
      disarm();
    }

    /** @param close the response said {@code connection: close} */
    void ended(boolean close) {
      inProgress--;
      stopProbing();
      if (close || inputClosed && inProgress == 0) {
        disarm();
        closeAfterWrites();
      } else if (inProgress == 0) {
        arm(limits.idleTimeoutMs(), meters::idleTimeout);
      }
    }

    /**
     * The client sent its last byte (a FIN). Once nothing is in progress there is nothing more to answer. With a request in
     * progress, the client either half-closed and still reads, or left; only a write can tell them apart. Before the
     * answer's head the gateway writes interim {@code 100 Continue} responses, which every HTTP/1.1 client must accept
     * (RFC 9110, 15.2): a socket that is gone answers the first with a reset and the next write fails, which closes the
     * connection, so a client that left is still let go within milliseconds and one that half-closed gets its answer.
     * After the head the client is not waiting for anything it has not been sent: the connection closes. (A body cut short
     * by the FIN ends in its own deadline, or at once if the probes find the client gone.)
     */
    void inputClosed() {
      inputClosed = true;
      if (inProgress == 0) {
        disarm();
        closeAfterWrites();
      } else if (current == null || current.response().headWritten()) {
        connection.close();
      } else {
        probe(current.response(), FIRST_PROBE_MS);
      }
    }

    private void probe(HttpServerResponse response, long nextMs) {
      if (response.closed() || response.headWritten() || response != current.response()) {
        return;
      }
      response.writeContinue();
      probe = vertx.setTimer(nextMs, id -> {
        probe = -1;
        probe(response, Math.min(nextMs * 2, LAST_PROBE_MS));
      });
    }

    private void stopProbing() {
      if (probe != -1) {
        vertx.cancelTimer(probe);
        probe = -1;
      }
    }

    /**
     * Closes (Vert.x flushes what was written first) once the step that ended the response has finished (its access log,
     * say). A client still sending a body it was refused would see a reset instead of the answer if the socket closed on
     * bytes it has not read, so, like nginx's lingering close, what it still sends is read and dropped for at most
     * {@link #LINGER_MS}, or until it has been quiet for {@link #LINGER_QUIET_MS} (bounded in time, costing no memory),
     * then the connection closes.
     */
    private void closeAfterWrites() {
      HttpServerRequest request = current;
      if (request == null || !bodyPending(request)) {
        vertx.runOnContext(v -> connection.close());
        return;
      }
      long[] quiet = {vertx.setTimer(LINGER_QUIET_MS, id -> connection.close())};
      request.handler(dropped -> {
        vertx.cancelTimer(quiet[0]);
        quiet[0] = vertx.setTimer(LINGER_QUIET_MS, id -> connection.close());
      });
      request.endHandler(v -> connection.close());
      request.exceptionHandler(e -> connection.close());
      request.resume();
      vertx.setTimer(LINGER_MS, id -> connection.close());
    }

    /**
     * Closes the connection {@code ms} from now (counting it by {@code count}) unless disarmed first. Only stamps the
     * deadline while a timer that fires no later is already set: that timer sets the next one for the time left, so a
     * kept-alive connection costs a timer per timeout, not a set and a cancel per request.
     */
    void arm(long ms, Runnable count) {
      deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms);
      onExpiry = count;
      if (timer != -1 && timerDue - deadline <= 0) {
        return;
      }
      cancelTimer();
      schedule();
    }

    /** No deadline until the next {@link #arm}; a timer already set finds none when it fires. */
    void disarm() {
      onExpiry = null;
    }

    /** The connection closed: nothing may hold it until a timer fires. */
    void closed() {
      disarm();
      cancelTimer();
    }

    private void schedule() {
      timerDue = deadline;
      long ms = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime() + 999_999));
      timer = vertx.setTimer(ms, id -> expired());
    }

    private void expired() {
      timer = -1;
      Runnable count = onExpiry;
      if (count == null) {
        return;
      }
      if (deadline - System.nanoTime() > 0) {
        schedule();
        return;
      }
      onExpiry = null;
      count.run();
      connection.close();
    }

    private void cancelTimer() {
      if (timer != -1) {
        vertx.cancelTimer(timer);
        timer = -1;
      }
    }
  }
}
