package dev.modelmux.server;

import ch.qos.logback.classic.LoggerContext;
import io.vertx.core.Vertx;
import java.io.Console;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * How the serve command ends: SIGTERM (or SIGINT, Ctrl-C) starts a graceful drain ({@link Drain}; POST /admin/drain
 * does too; Ctrl-C at a console with nothing in flight skips the drain delay, which only load balancers need); once it has closed the gateway, Vert.x closes, the logs are flushed and the process exits 0. A second
 * signal exits at once, and so does a drain that overruns its deadline. Both signals are taken from the JVM's default
 * handling (which would run shutdown hooks and exit 143 mid-stream).
 */
public final class Shutdown {
  private static final Logger LOG = LoggerFactory.getLogger(Shutdown.class);
  /** Exit status when a second signal cuts the drain short. */
  static final int FORCED_EXIT = 143;
  /** Exit status when the drain overran its deadline (drain_ms, then settling and closing). */
  static final int OVERRUN_EXIT = 1;
  private static final long CLOSE_MARGIN_MS = 5_000;

  private Shutdown() {}

  /**
   * Blocks until the gateway has drained and closed; returns the exit status.
   *
   * @param drainMs the drain's deadline: past it, plus time to settle and close, the process exits regardless
   */
  /**
   * Only Ctrl-C at a console may skip the drain delay of an idle gateway: a supervisor that stops with SIGINT (Docker's
   * STOPSIGNAL, systemd's KillSignal) runs the process without one, and its load balancer needs the delay as on SIGTERM.
   */
  static boolean skipsDrainDelayWhenIdle(String signal, boolean atConsole) {
    return signal.equals("INT") && atConsole;
  }

  /** The process runs at an interactive terminal (Java 22 and later have a console object even without one). */
  static boolean atConsole() {
    Console console = System.console();
    if (console == null) {
      return false;
    }
    try {
      return (Boolean) Console.class.getMethod("isTerminal").invoke(console);
    } catch (NoSuchMethodException beforeJava22) {
      return true;
    } catch (ReflectiveOperationException | RuntimeException e) {
      return false;
    }
  }

  public static int awaitDrained(Vertx vertx, ModelMux mux, long drainMs) {
    AtomicBoolean signalled = new AtomicBoolean();
    for (String name : new String[] {"TERM", "INT"}) {
      Signal.handle(new Signal(name), signal -> {
        if (signalled.compareAndSet(false, true)) {
          if (skipsDrainDelayWhenIdle(name, atConsole())) {
            mux.interrupt();
          } else {
            mux.drain();
          }
          watchdog(drainMs + Drain.SETTLE_GRACE_MS + CLOSE_MARGIN_MS);
          LOG.info("SIG{}: draining (a second signal exits at once)", name);
        } else {
          LOG.warn("second SIG{}: exiting at once, without waiting for open requests", name);
          stopLogging();
          Runtime.getRuntime().halt(FORCED_EXIT);
        }
      });
    }
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

  /** Exits the process if the drain has not ended it within {@code ms}. */
  private static void watchdog(long ms) {
    Thread watchdog = new Thread(() -> {
      try {
        Thread.sleep(ms);
      } catch (InterruptedException e) {
        return;
      }
      LOG.error("the drain overran its deadline by {} ms: exiting", CLOSE_MARGIN_MS);
      stopLogging();
      Runtime.getRuntime().halt(OVERRUN_EXIT);
    }, "modelmux-drain-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
  }

  /** Flushes the asynchronous appender and closes every appender. */
  private static void stopLogging() {
    ILoggerFactory factory = LoggerFactory.getILoggerFactory();
    if (factory instanceof LoggerContext logback) {
      logback.stop();
    }
  }
}
