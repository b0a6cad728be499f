package dev.modelmux.upstream;

import dev.modelmux.config.Timeouts;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import java.util.function.Consumer;

/**
 * Every deadline of one attempt, in one place: connect (given to the HTTP client), first token (a stream must have
 * content within it; a non-streamed answer its response headers), idle gap (no more than this between events or body
 * chunks once the answer flows), total (the whole answer). Time the upstream spends paused for the client's
 * backpressure is not the provider's: it counts toward neither the gaps nor the total.
 *
 * <p>One timer serves them all, set when the attempt starts and cancelled when it ends: events only stamp the time.
 * The timer is never due later than {@code min(first_token_ms, idle_ms)} after it was set, and no deadline that starts
 * later (the first token's, the gaps') can be due sooner than that after it starts; so the timer, when it fires, finds
 * every deadline either missed (at its exact time) or still ahead, and sets itself again for the nearest one.
 */
final class Deadlines {
  private static final long NANOS_PER_MS = 1_000_000;

  private final Vertx vertx;
  private final Timeouts timeouts;
  private final Consumer<String> expired;
  private final Handler<Long> onTimer = id -> fired();
  private long timer = -1;
  private long startNanos;
  private long pausedNanos;
  private long suspendedAtNanos = -1;
  /** What the provider owes first ("first token", "response headers") and since when, while it owes it. */
  private String first;
  private long firstSinceNanos;
  private boolean watchingGaps;
  private long lastActivityNanos;
  /** Whether the attempt ended because the answer went silent mid-way for longer than the idle deadline. */
  boolean idleMissed() {
    return idleMissed;
  }

  /** The longest gap between events since the answer began, -1 before a second event. */
  private long longestGapNanos = -1;
  private boolean firstMissed;
  private boolean idleMissed;
  private boolean cancelled;

  /** @param expired told what was missed ("sent no first token within 30000 ms"), once */
  Deadlines(Vertx vertx, Timeouts timeouts, Consumer<String> expired) {
    this.vertx = vertx;
    this.timeouts = timeouts;
    this.expired = expired;
  }

  long connectMs() {
    return timeouts.connectMs();
  }

  long idleMs() {
    return timeouts.idleMs();
  }

  long firstTokenMs() {
    return timeouts.firstTokenMs();
  }

  /** Whether the attempt ended because its first token (or response headers) did not come in time. */
  boolean firstMissed() {
    return firstMissed;
  }

  /** The longest gap between events since the answer began (client pauses left out), -1 before a second event. */
  long longestGapMs() {
    return longestGapNanos < 0 ? -1 : longestGapNanos / NANOS_PER_MS;
  }

  /** The attempt starts: the total deadline runs. */
  void start() {
    startNanos = System.nanoTime();
    check(startNanos);
  }

  /** The connection is open: the provider has first_token_ms for its {@code first} ("first token", "response headers"). */
  void awaitFirst(String first) {
    if (!cancelled) {
      this.first = first;
      this.firstSinceNanos = System.nanoTime();
    }
  }

  /** The answer began (content, a continuation's stream, a body's headers): from now on only the gaps count. */
  void watchGaps() {
    lastActivityNanos = System.nanoTime();
    watchingGaps = true;
    first = null;
  }

  /** An event or a body chunk arrived. */
  void activity() {
    long now = System.nanoTime();
    if (watchingGaps && now - lastActivityNanos > longestGapNanos) {
      longestGapNanos = now - lastActivityNanos;
    }
    lastActivityNanos = now;
  }

  /** The upstream is paused because the client's write queue is full: the provider's clocks stop. */
  void suspend() {
    if (suspendedAtNanos < 0) {
      suspendedAtNanos = System.nanoTime();
    }
  }

  /** The client drained: the provider's clocks run again, the gap counted from now. */
  void resume() {
    if (suspendedAtNanos < 0 || cancelled) {
      return;
    }
    long now = System.nanoTime();
    pausedNanos += now - suspendedAtNanos;
    suspendedAtNanos = -1;
    watchGaps();
    if (timer < 0) {
      check(now); // the timer came due while paused: what it found waits no longer
    }
  }

  void cancel() {
    cancelled = true;
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  private void fired() {
    timer = -1;
    if (!cancelled && suspendedAtNanos < 0) { // while paused no clock runs: resume looks again
      check(System.nanoTime());
    }
  }

  /** Expires the deadline missed by {@code now}, if any, else sets the timer for the nearest one. */
  private void check(long now) {
    long wait = Math.min(timeouts.firstTokenMs(), timeouts.idleMs()) * NANOS_PER_MS;
    long totalLeft = startNanos + pausedNanos + timeouts.totalMs() * NANOS_PER_MS - now;
    if (totalLeft <= 0) {
      expire("did not finish within " + timeouts.totalMs() + " ms");
      return;
    }
    wait = Math.min(wait, totalLeft);
    if (watchingGaps) {
      long idleNanos = now - lastActivityNanos;
      if (idleNanos >= timeouts.idleMs() * NANOS_PER_MS) {
        idleMissed = !cancelled;
        expire("went silent for " + idleNanos / NANOS_PER_MS + " ms mid-answer");
        return;
      }
      wait = Math.min(wait, timeouts.idleMs() * NANOS_PER_MS - idleNanos);
    } else if (first != null) {
      long firstLeft = firstSinceNanos + timeouts.firstTokenMs() * NANOS_PER_MS - now;
      if (firstLeft <= 0) {
        firstMissed = !cancelled;
        expire("sent no " + first + " within " + timeouts.firstTokenMs() + " ms");
        return;
      }
      wait = Math.min(wait, firstLeft);
    }
    timer = vertx.setTimer(Math.max(1, (wait + NANOS_PER_MS - 1) / NANOS_PER_MS), onTimer);
  }

  private void expire(String what) {
    if (!cancelled) {
      expired.accept(what);
    }
  }
}
