package dev.modelmux.server;

import ch.qos.logback.classic.LoggerContext;
import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * How the serve command ends: SIGTERM starts a graceful drain ({@link Drain}; POST /admin/drain does too); once it has
 * closed the gateway, Vert.x closes, the logs are flushed and the process exits 0. A second SIGTERM exits at once.
 * SIGTERM is taken from the JVM's default handling (which would run shutdown hooks and exit 143 mid-stream).
 */
public final class Shutdown {
  private static final Logger LOG = LoggerFactory.getLogger(Shutdown.class);
  /** Exit status when a second SIGTERM cuts the drain short. */
  static final int FORCED_EXIT = 143;

  private Shutdown() {}

  /** Blocks until the gateway has drained and closed; returns the exit status. */
  public static int awaitDrained(Vertx vertx, ModelMux mux) {
    AtomicBoolean signalled = new AtomicBoolean();
    Signal.handle(new Signal("TERM"), signal -> {
      if (signalled.compareAndSet(false, true)) {
        mux.drain();
        LOG.info("SIGTERM: draining (a second SIGTERM exits at once)");
      } else {
        LOG.warn("second SIGTERM: exiting at once, without waiting for open requests");
        stopLogging();
        Runtime.getRuntime().halt(FORCED_EXIT);
      }
    });
    mux.drained().toCompletionStage().toCompletableFuture().join();
    try {
      vertx.close().toCompletionStage().toCompletableFuture().get(Drain.SETTLE_GRACE_MS, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      LOG.warn("Vert.x did not close cleanly: {}", e.toString());
    }
    LOG.info("modelmux stopped");
    stopLogging();
    return 0;
  }

  /** Flushes the asynchronous appender and closes every appender. */
  private static void stopLogging() {
    ILoggerFactory factory = LoggerFactory.getILoggerFactory();
    if (factory instanceof LoggerContext logback) {
      logback.stop();
    }
  }
}
