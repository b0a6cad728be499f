package dev.modelmux.testing;

import java.util.concurrent.locks.LockSupport;

/** Retries an assertion about something another thread finishes slightly later (a log line, a counter). */
public final class Eventually {
  private Eventually() {}

  public static void assertEventually(Runnable assertion) {
    assertEventually(5, assertion);
  }

  /** The same, within {@code seconds} (for what waits on leases or a restart). */
  public static void assertEventually(long seconds, Runnable assertion) {
    long deadline = System.nanoTime() + seconds * 1_000_000_000L;
    while (true) {
      try {
        assertion.run();
        return;
      } catch (AssertionError e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.onSpinWait();
        LockSupport.parkNanos(5_000_000);
      }
    }
  }
}
