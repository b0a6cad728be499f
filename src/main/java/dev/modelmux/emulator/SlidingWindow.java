package dev.modelmux.emulator;

import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * The requests and tokens one API key spent on one model over the last 60 seconds (a sliding log,
 * so nothing resets at a minute boundary). Remembers the most it ever admitted inside one window.
 * Thread-safe.
 */
final class SlidingWindow {
  static final long WINDOW_MS = 60_000;

  /** The outcome of {@link #tryAcquire}: admitted with the state after it, or refused with why and for how long. */
  record Decision(ApiError refusal, RateLimitState state) {
    boolean admitted() {
      return refusal == null;
    }
  }

  private record Entry(long atMs, long tokens) {}

  private final ArrayDeque<Entry> entries = new ArrayDeque<>();
  private long tokens;
  private long maxRequests;
  private long maxTokens;

  /** Admits one request of {@code cost} tokens under {@code rpm}/{@code tpm} (0 = unlimited) at time {@code nowMs}. */
  synchronized Decision tryAcquire(String model, long nowMs, long cost, long rpm, long tpm) {
    evict(nowMs);
    if (rpm > 0 && entries.size() + 1 > rpm) {
      long wait = entries.peekFirst().atMs() + WINDOW_MS - nowMs;
      return new Decision(ApiError.rateLimited(ApiError.Kind.RATE_LIMIT_REQUESTS, model, rpm, entries.size(), 1, wait),
          state(nowMs, rpm, tpm).withoutRequests());
    }
    if (tpm > 0 && cost > tpm) {
      return new Decision(ApiError.rateLimited(ApiError.Kind.REQUEST_TOO_LARGE, model, tpm, tokens, cost, WINDOW_MS),
          state(nowMs, rpm, tpm).withoutTokens());
    }
    if (tpm > 0 && tokens + cost > tpm) {
      return new Decision(ApiError.rateLimited(ApiError.Kind.RATE_LIMIT_TOKENS, model, tpm, tokens, cost, tokenWait(nowMs, cost, tpm)),
          state(nowMs, rpm, tpm).withoutTokens());
    }
    entries.addLast(new Entry(nowMs, cost));
    tokens += cost;
    maxRequests = Math.max(maxRequests, entries.size());
    maxTokens = Math.max(maxTokens, tokens);
    return new Decision(null, state(nowMs, rpm, tpm));
  }

  /** The header state now, without spending anything. */
  synchronized RateLimitState state(long nowMs, long rpm, long tpm) {
    evict(nowMs);
    long reset = entries.isEmpty() ? 0 : entries.peekLast().atMs() + WINDOW_MS - nowMs;
    return new RateLimitState(
        rpm, rpm > 0 ? Math.max(0, rpm - entries.size()) : 0, rpm > 0 ? reset : 0,
        tpm, tpm > 0 ? Math.max(0, tpm - tokens) : 0, tpm > 0 && tokens > 0 ? reset : 0);
  }

  synchronized long maxRequests() {
    return maxRequests;
  }

  synchronized long maxTokens() {
    return maxTokens;
  }

  private long tokenWait(long nowMs, long cost, long tpm) {
    long freed = 0;
    for (Iterator<Entry> it = entries.iterator(); it.hasNext(); ) {
      Entry entry = it.next();
      freed += entry.tokens();
      if (tokens - freed + cost <= tpm) {
        return entry.atMs() + WINDOW_MS - nowMs;
      }
    }
    return WINDOW_MS;
  }

  private void evict(long nowMs) {
    while (!entries.isEmpty() && entries.peekFirst().atMs() <= nowMs - WINDOW_MS) {
      tokens -= entries.removeFirst().tokens();
    }
  }
}
