package dev.modelmux.server;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A graceful drain (SIGTERM, POST /admin/drain): not ready at once; new connections still accepted for
 * {@code server.drain_delay_ms}, while load balancers notice; open requests and streams run to completion until
 * {@code server.drain_ms} after the start; those still open then are cut off with the shutdown error, given a moment
 * to settle; then the gateway closes (budgets, emulator). Runs once; every later call gets the same outcome.
 */
final class Drain {
  private static final Logger LOG = LoggerFactory.getLogger(Drain.class);
  /** How often the drain looks whether the last exchange is done. */
  private static final long POLL_MS = 10;
  /** After the cut-off: time for the cut exchanges to stop their upstream calls and settle their reservations. */
  static final long SETTLE_GRACE_MS = 1000;

  /** What a drain acts on. */
  interface Gateway {
    /** Stops the listeners; connections already open serve what they have, for up to {@code graceMs}. */
    void stopAccepting(long graceMs);

    /** No request or stream is open, nothing is in flight upstream. */
    boolean idle();

    /** What is still open, for the log. */
    String open();

    /** Ends every open answer with the shutdown error. */
    void cutOff();

    Future<Void> close();
  }

  private final Vertx vertx;
  private final long delayMs;
  private final long drainMs;
  private final Gateway gateway;
  private final AtomicBoolean started = new AtomicBoolean();
  private final Promise<Void> done = Promise.promise();
  private volatile boolean draining;
  private boolean accepting = true;
  private boolean cut;
  private long startNanos;
  private volatile long delayThisTime;

  Drain(Vertx vertx, long delayMs, long drainMs, Gateway gateway) {
    this.vertx = vertx;
    this.delayMs = delayMs;
    this.drainMs = drainMs;
    this.gateway = gateway;
  }

  boolean draining() {
    return draining;
  }

  /** Starts the drain (the first call only); completes once the gateway is closed. */
  Future<Void> start() {
    return start(false);
  }

  /**
   * As {@link #start()}; with {@code skipDelayWhenIdle} (a developer's Ctrl-C) a gateway with nothing in flight stops
   * accepting at once rather than after server.drain_delay_ms, which only load balancers (SIGTERM) need.
   */
  Future<Void> start(boolean skipDelayWhenIdle) {
    if (started.compareAndSet(false, true)) {
      draining = true;
      delayThisTime = skipDelayWhenIdle && gateway.idle() ? 0 : delayMs;
      LOG.info("draining: not ready from now; new connections accepted for {} ms more, open requests have {} ms to finish ({})",
          delayThisTime, drainMs, gateway.open());
      vertx.runOnContext(v -> {
        startNanos = System.nanoTime();
        vertx.setPeriodic(POLL_MS, this::check);
      });
    }
    return done.future();
  }

  /** Completes once a drain (started by anyone) has closed the gateway. */
  Future<Void> finished() {
    return done.future();
  }

  private void check(long timer) {
    long elapsedMs = (System.nanoTime() - startNanos) / 1_000_000;
    if (accepting && elapsedMs >= Math.min(delayThisTime, drainMs)) {
      accepting = false;
      gateway.stopAccepting(drainMs - elapsedMs + SETTLE_GRACE_MS);
      LOG.info("draining: no longer accepting connections ({})", gateway.open());
    }
    if (!accepting && gateway.idle()) {
      LOG.info("drained after {} ms: every request finished", elapsedMs);
      close(timer);
    } else if (!cut && elapsedMs >= drainMs) {
      cut = true;
      LOG.warn("drain deadline of {} ms reached: cutting off {} with the shutdown error", drainMs, gateway.open());
      gateway.cutOff();
    } else if (cut && elapsedMs >= drainMs + SETTLE_GRACE_MS) {
      LOG.warn("closing with {} after the drain deadline", gateway.open());
      close(timer);
    }
  }

  private void close(long timer) {
    vertx.cancelTimer(timer);
    gateway.close().onComplete(closed -> {
      if (closed.failed()) {
        LOG.warn("closing after the drain failed: {}", closed.cause().toString());
      }
      done.complete();
    });
  }
}
