package dev.modelmux.budget;

import dev.modelmux.config.RedisConfig;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether Redis answers a {@link LeasedBudgetStore}'s calls, what a reservation gets while it does not, and what is
 * written back when it returns. Unavailable after {@code failures_to_down} consecutive failed calls failing for
 * {@code unavailable_after_ms}, or a call left unanswered that long; then reservations are answered by
 * {@code on_unavailable} (the local share, or a refusal). Available again at the next answer, once what the local share
 * granted is handed back to be sent as leases of its own. Every change is told to the availability handlers. The
 * failure streak is kept on the store's context only.
 */
final class RedisAvailability {
  private static final Logger LOG = LoggerFactory.getLogger(LeasedBudgetStore.class);

  private final RedisConfig config;
  private final LocalBudgetStore local;
  private final String redactedUrl;
  private final List<Handler<Boolean>> handlers = new CopyOnWriteArrayList<>();
  private final AtomicLong failures = new AtomicLong();
  private final AtomicLong fallbacks = new AtomicLong();
  private volatile boolean available = true;
  private volatile long since = System.currentTimeMillis();
  /** Consecutive failed calls, and when the first of them failed (nanoTime; 0 while calls are answered). */
  private int consecutiveFailures;
  private long failingSinceNanos;
  private boolean writingBack;

  RedisAvailability(RedisConfig config, LocalBudgetStore local) {
    this.config = config;
    this.local = local;
    this.redactedUrl = RedisUrls.redact(config.url());
  }

  boolean available() {
    return available;
  }

  /** {@code redis} (the connection's own status) with whether Redis is available, since when, and the counts. */
  JsonObject status(JsonObject redis) {
    return redis.put("available", available).put("since", Instant.ofEpochMilli(since).toString()).put("failures", failures.get())
        .put("fallbacks", fallbacks.get());
  }

  long failures() {
    return failures.get();
  }

  /** Reservations answered from the local share (or refused) because Redis was unavailable. */
  long fallbacks() {
    return fallbacks.get();
  }

  void onChange(Handler<Boolean> handler) {
    handlers.add(handler);
  }

  /** What a reservation gets while Redis is unavailable: the local share's answer, or a refusal. */
  ReserveResult fallback(String deploymentId, BudgetLimits limits, long tokens) {
    fallbacks.incrementAndGet();
    if (config.onUnavailable() == RedisConfig.OnUnavailable.FAIL_CLOSED) {
      return new ReserveResult.Denied(config.timeoutMs(), local.headroomNow(deploymentId, limits), ReserveResult.Reason.UNAVAILABLE);
    }
    return local.reserveNow(deploymentId, limits, tokens);
  }

  /** A call was answered: the failure streak ends. True when Redis was unavailable until now (then {@link #recover}). */
  boolean answered() {
    consecutiveFailures = 0;
    failingSinceNanos = 0;
    return !available;
  }

  void failed(Throwable err, long nowNanos) {
    failures.incrementAndGet();
    if (consecutiveFailures++ == 0) {
      failingSinceNanos = nowNanos;
    }
    LOG.debug("Budget store: a lease call to {} failed: {}", redactedUrl, err.toString());
  }

  /**
   * Marks Redis unavailable after {@code failures_to_down} consecutive failed calls, failing for
   * {@code unavailable_after_ms}; or a call left unanswered that long ({@code oldestCallNanos}: the oldest in flight).
   */
  void check(long nowNanos, long oldestCallNanos, Throwable err) {
    long bound = config.unavailableAfterMs() * 1_000_000L;
    if ((consecutiveFailures >= config.failuresToDown() && nowNanos - failingSinceNanos >= bound) || oldestCallNanos >= bound) {
      markDown(err);
    }
  }

  private void markDown(Throwable err) {
    if (!available) {
      return;
    }
    available = false;
    since = System.currentTimeMillis();
    LOG.warn("Budget store: Redis at {} is unavailable ({}); spending the leases this replica holds, then {} until it returns",
        redactedUrl, RedisUrls.describe(err, config.url()),
        config.onUnavailable() == RedisConfig.OnUnavailable.FAIL_CLOSED ? "refusing (on_unavailable: fail_closed)"
            : "its local share (" + Math.round(local.share() * 100) + "% of what was left of each limit)");
    fire(false);
  }

  /**
   * Redis answers again: what the local share granted is handed to {@code writeBack} per deployment (as restore
   * operations of leases of its own, {@code instanceId} naming them), then budgets are shared again.
   */
  void recover(String instanceId, BiConsumer<String, List<LeaseCall.Op>> writeBack) {
    if (writingBack) {
      return;
    }
    writingBack = true;
    for (String id : local.withUnsynced()) {
      List<long[]> own = local.unsynced(id);
      List<LeaseCall.Op> ops = new ArrayList<>();
      for (long[] s : own) {
        // {second, tokens, requests, ...}: the local clock's second, close enough to Redis' for a window of a minute
        ops.add(LeaseCall.Op.restore(instanceId + ":local:" + s[0] + ":" + System.nanoTime(), Math.max(0, s[1]), s[2], s[0],
            false));
      }
      local.synced(id, own);
      writeBack.accept(id, ops);
    }
    writingBack = false;
    available = true;
    long downFor = System.currentTimeMillis() - since;
    since = System.currentTimeMillis();
    LOG.info("Budget store: Redis at {} is available again after {} ms; local grants written back, budgets are leased again",
        redactedUrl, downFor);
    fire(true);
  }

  private void fire(boolean nowAvailable) {
    for (Handler<Boolean> h : handlers) {
      try {
        h.handle(nowAvailable);
      } catch (RuntimeException e) {
        LOG.warn("budget store availability handler failed", e);
      }
    }
  }
}
