package dev.modelmux.emulator;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.HashSet;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * One request on its connection: the timers it has pending, and whether it is over because we
 * answered, we closed the connection, or the peer went away. Used only on the request's event loop.
 */
final class Exchange {
  private final Vertx vertx;
  private final HttpServerRequest request;
  private final Set<Long> timers = new HashSet<>();
  private final BooleanSupplier serverClosing;
  private Handler<Void> peerClosed;
  private boolean over;

  Exchange(Vertx vertx, HttpServerRequest request, BooleanSupplier serverClosing) {
    this.vertx = vertx;
    this.request = request;
    this.serverClosing = serverClosing;
    request.response().closeHandler(v -> peerGone());
    request.response().exceptionHandler(e -> peerGone());
    request.exceptionHandler(e -> peerGone());
  }

  HttpServerRequest request() {
    return request;
  }

  HttpServerResponse response() {
    return request.response();
  }

  /** Called once when the client closes the connection while this request is still in flight. */
  void onPeerClosed(Handler<Void> handler) {
    this.peerClosed = handler;
  }

  /** Whether nothing more should be written (answered, closed, or peer gone). */
  boolean over() {
    return over;
  }

  /** Runs {@code action} after {@code delayMs} unless the exchange is over by then; at once when 0. */
  void after(long delayMs, Runnable action) {
    if (over) {
      return;
    }
    if (delayMs <= 0) {
      action.run();
      return;
    }
    long[] id = new long[1];
    id[0] = vertx.setTimer(delayMs, t -> {
      timers.remove(id[0]);
      if (!over) {
        action.run();
      }
    });
    timers.add(id[0]);
  }

  /** The response has been ended: nothing more is in flight. */
  void answered() {
    finish();
  }

  /** Closes the connection without (the rest of) a response. */
  void closeConnection() {
    finish();
    request.connection().close();
  }

  private void peerGone() {
    if (over) {
      return;
    }
    finish();
    if (peerClosed != null && !serverClosing.getAsBoolean()) {
      peerClosed.handle(null);
    }
  }

  private void finish() {
    over = true;
    for (long id : timers) {
      vertx.cancelTimer(id);
    }
    timers.clear();
  }
}
