package dev.modelmux.testing;

/** Retries an assertion about something another thread finishes slightly later (a log line, a counter). */
public final class Eventually {
  private Eventually() {}

  public static void assertEventually(Runnable assertion) {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (true) {
      try {
        assertion.run();
        return;
      } catch (AssertionError e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.onSpinWait();
        java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
      }
    }
  }
}
