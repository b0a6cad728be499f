package dev.modelmux.server;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The request body bytes the whole process is receiving at once, at most {@code server.max_body_bytes_in_flight}: a
 * body takes its declared length before it is read (a chunked one, each chunk as it comes) and gives it back once it is
 * read whole or abandoned. Shared by every front verticle.
 */
final class BodyBudget {
  private final long max;
  private final AtomicLong taken = new AtomicLong();

  BodyBudget(long max) {
    this.max = max;
  }

  /** Takes {@code bytes} unless that would exceed the budget; false means nothing was taken. */
  boolean tryTake(long bytes) {
    while (true) {
      long now = taken.get();
      if (now + bytes > max) {
        return false;
      }
      if (taken.compareAndSet(now, now + bytes)) {
        return true;
      }
    }
  }

  void giveBack(long bytes) {
    taken.addAndGet(-bytes);
  }
}
