package dev.modelmux.upstream;

import dev.modelmux.config.Timeouts;
import io.vertx.core.Vertx;
import java.util.function.Consumer;

/**
 * Every deadline of one attempt, in one place: connect (given to the HTTP client), first token (a stream must have
 * content within it; a non-streamed answer its response headers), idle gap (no more than this between events or body
 * chunks once the answer flows), total (the whole answer). One timer for the gaps, re-armed for the time left instead
 * of per event. Time the upstream spends paused for the client's backpressure is not the provider's: it counts
 * toward neither the gaps nor the total.
 */
final class Deadlines {
  private final Vertx vertx;
  private final Timeouts timeouts;
  private final Consumer<String> expired;
  private long totalTimer = -1;
  private long streamTimer = -1;
  private long lastActivityNanos;
  private long startNanos;
  private long pausedNanos;
  private long suspendedAtNanos = -1;
  private boolean totalDueOnResume;
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

  /** The attempt starts: the total deadline runs. */
  void start() {
    startNanos = System.nanoTime();
    totalTimer = vertx.setTimer(timeouts.totalMs(), this::checkTotal);
  }

  /** The connection is open: the provider has first_token_ms for its {@code first} ("first token", "response headers"). */
  void awaitFirst(String first) {
    if (!cancelled) {
      streamTimer = vertx.setTimer(timeouts.firstTokenMs(), id -> expire("sent no " + first + " within " + timeouts.firstTokenMs() + " ms"));
    }
  }

  /** The answer began (content, a continuation's stream, a body's headers): from now on only the gaps count. */
  void watchGaps() {
    lastActivityNanos = System.nanoTime();
    vertx.cancelTimer(streamTimer);
    streamTimer = vertx.setTimer(timeouts.idleMs(), this::checkGap);
  }

  /** An event or a body chunk arrived. */
  void activity() {
    lastActivityNanos = System.nanoTime();
  }

  /** The upstream is paused because the client's write queue is full: the provider's clocks stop. */
  void suspend() {
    if (suspendedAtNanos < 0) {
      suspendedAtNanos = System.nanoTime();
      vertx.cancelTimer(streamTimer);
    }
  }

  /** The client drained: the provider's clocks run again, the gap counted from now. */
  void resume() {
    if (suspendedAtNanos < 0 || cancelled) {
      return;
    }
    pausedNanos += System.nanoTime() - suspendedAtNanos;
    suspendedAtNanos = -1;
    watchGaps();
    if (totalDueOnResume) {
      totalDueOnResume = false;
      checkTotal(-1);
    }
  }

  void cancel() {
    cancelled = true;
    vertx.cancelTimer(streamTimer);
    vertx.cancelTimer(totalTimer);
  }

  private void checkTotal(long id) {
    if (cancelled) {
      return;
    }
    if (suspendedAtNanos >= 0) {
      totalDueOnResume = true;
      return;
    }
    long providerMs = (System.nanoTime() - startNanos - pausedNanos) / 1_000_000;
    if (providerMs >= timeouts.totalMs()) {
      expire("did not finish within " + timeouts.totalMs() + " ms");
    } else {
      totalTimer = vertx.setTimer(timeouts.totalMs() - providerMs, this::checkTotal);
    }
  }

  private void checkGap(long id) {
    if (cancelled || suspendedAtNanos >= 0) {
      return;
    }
    long idleMs = (System.nanoTime() - lastActivityNanos) / 1_000_000;
    if (idleMs >= timeouts.idleMs()) {
      expire("went silent for " + idleMs + " ms mid-answer");
    } else {
      streamTimer = vertx.setTimer(timeouts.idleMs() - idleMs, this::checkGap);
    }
  }

  private void expire(String what) {
    if (!cancelled) {
      expired.accept(what);
    }
  }
}
