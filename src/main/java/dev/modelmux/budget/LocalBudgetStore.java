package dev.modelmux.budget;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.LongSupplier;

/**
 * In-process budgets: the embedded default (one replica, no Redis) and the fallback while Redis is away.
 *
 * <p>Same semantics as the Redis scripts: per deployment, a sliding window of {@code windowMs} made of one-second
 * slots (slot = epoch second). Usage = sum of the slots of the last {@code ceil(windowMs / 1000)} seconds,
 * including the current one, so the window slides one second at a time and never resets all at once. A slot
 * recorded at second {@code s} leaves the window at {@code (s + slots) * 1000} ms.
 *
 * <p>{@code share} (0..1] scales every deployment's limits (each replica's share while Redis is unreachable).
 * Behind a {@link LeasedBudgetStore} each window also mirrors the shared window as Redis last reported it
 * ({@link #observed}): while Redis is away the local store continues that window rather than start from zero, so a
 * replica grants {@code share} of what is left of the shared budget, and it keeps what it granted on its own apart
 * ({@link #unsynced}) to write it back when Redis returns. Thread-safe: each deployment's window is guarded by its own
 * lock; calls never block on I/O and complete synchronously.
 */
public final class LocalBudgetStore implements BudgetStore {
  private final long windowMs;
  private final int slots;
  private volatile double share;
  private final LongSupplier clock;
  private final Map<String, LocalWindow> windows = new ConcurrentHashMap<>();
  private final FreedListeners freedListeners = new FreedListeners();
  /** Deployments this replica has requests waiting on: only those hear of freed budget. */
  private final Map<String, Boolean> waiting = new ConcurrentHashMap<>();
  private final String idPrefix = UUID.randomUUID() + "-";
  private final AtomicLong ids = new AtomicLong();

  public LocalBudgetStore(long windowMs) {
    this(windowMs, 1.0, System::currentTimeMillis);
  }

  /**
   * @param windowMs the sliding window (60 000 in production), rounded up to whole seconds
   * @param share the fraction (0..1] of each deployment's limits this store grants
   * @param clock epoch milliseconds (injectable for tests)
   */
  public LocalBudgetStore(long windowMs, double share, LongSupplier clock) {
    if (windowMs < 1000) {
      throw new IllegalArgumentException("windowMs must be at least 1000, got " + windowMs);
    }
    if (!(share > 0 && share <= 1)) {
      throw new IllegalArgumentException("share must be in (0, 1], got " + share);
    }
    this.windowMs = windowMs;
    this.slots = (int) ((windowMs + 999) / 1000);
    this.share = share;
    this.clock = clock;
  }

  public long windowMs() {
    return windowMs;
  }

  public double share() {
    return share;
  }

  /** Changes this replica's share (1/N of the live replicas, as they announce themselves). */
  public void share(double share) {
    if (!(share > 0 && share <= 1)) {
      throw new IllegalArgumentException("share must be in (0, 1], got " + share);
    }
    this.share = share;
  }

  /** The limits this store enforces: {@code limits} scaled by the share (at least 1 request, so a share never blocks all). */
  public BudgetLimits effective(BudgetLimits limits) {
    double share = this.share;
    if (share >= 1) {
      return limits;
    }
    return new BudgetLimits((long) Math.floor(limits.tpm() * share), Math.max(1, (long) Math.floor(limits.rpm() * share)));
  }

  @Override
  public Future<ReserveResult> reserve(String deploymentId, BudgetLimits limits, long tokens) {
    return Future.succeededFuture(reserveNow(deploymentId, limits, tokens));
  }

  /** Synchronous form of {@link #reserve}. */
  public ReserveResult reserveNow(String deploymentId, BudgetLimits limits, long tokens) {
    BudgetLimits eff = effective(limits);
    long tokensToTake = Math.max(0, tokens);
    LocalWindow w = window(deploymentId);
    long now = clock.getAsLong();
    long nowSec = Math.floorDiv(now, 1000);
    Headroom granted;
    synchronized (w) {
      double share = this.share;
      long tUsed = w.used(w.tokens, w.mirrorTokens, share, nowSec);
      long rUsed = w.used(w.requests, w.mirrorRequests, share, nowSec);
      long pausedFor = Math.max(0, w.pausedUntil - now);
      if (tokensToTake > eff.tpm()) {
        return new ReserveResult.Denied(0, headroom(tUsed, rUsed, eff, pausedFor), ReserveResult.Reason.TOO_LARGE);
      }
      if (pausedFor > 0) {
        return new ReserveResult.Denied(pausedFor, headroom(tUsed, rUsed, eff, pausedFor), ReserveResult.Reason.PAUSED);
      }
      boolean tokensFit = tUsed + tokensToTake <= eff.tpm();
      boolean requestFits = rUsed + 1 <= eff.rpm();
      if (!tokensFit || !requestFits) {
        long wait = 0;
        if (!tokensFit) {
          wait = Math.max(wait, w.waitToFree(w.tokens, w.mirrorTokens, share, tUsed + tokensToTake - eff.tpm(), now));
        }
        if (!requestFits) {
          wait = Math.max(wait, w.waitToFree(w.requests, w.mirrorRequests, share, rUsed + 1 - eff.rpm(), now));
        }
        return new ReserveResult.Denied(wait, headroom(tUsed, rUsed, eff, 0),
            tokensFit ? ReserveResult.Reason.REQUESTS : ReserveResult.Reason.TOKENS);
      }
      int i = w.slotFor(nowSec);
      w.tokens[i] += tokensToTake;
      w.requests[i] += 1;
      w.tpm = eff.tpm();
      granted = headroom(tUsed + tokensToTake, rUsed + 1, eff, 0);
    }
    return new ReserveResult.Granted(new Reservation(deploymentId, nextId(), tokensToTake, nowSec, true), granted);
  }

  /**
   * Unique across stores and replicas (a random prefix per store, then a counter), without the lock and the hashing
   * {@link UUID#randomUUID} takes from the shared SecureRandom on every call.
   */
  private String nextId() {
    return idPrefix + Long.toString(ids.incrementAndGet(), 36);
  }

  @Override
  public Future<Void> settle(Reservation reservation, long actualTokens) {
    settleNow(reservation, actualTokens);
    return Future.succeededFuture();
  }

  /** Synchronous form of {@link #settle}; returns the tokens given back (negative when more was used than reserved). */
  public long settleNow(Reservation reservation, long actualTokens) {
    long delta = Math.max(0, actualTokens) - reservation.tokens();
    if (delta == 0) {
      return 0;
    }
    LocalWindow w = windows.get(reservation.deploymentId());
    if (w == null) {
      return 0;
    }
    long nowSec = Math.floorDiv(clock.getAsLong(), 1000);
    long freed;
    long room;
    synchronized (w) {
      long slot = reservation.slot();
      int i = (int) Math.floorMod(slot, (long) slots);
      if (!w.live(slot, nowSec) || w.slotSec[i] != slot) {
        return 0; // already out of the window: everything it held is free anyway
      }
      long before = w.tokens[i];
      w.tokens[i] = Math.max(0, before + delta);
      freed = before - w.tokens[i];
      long rest = -delta - freed;
      if (rest > 0 && w.mirrorTokens[i] > 0) {
        // This grant was already written back to Redis: give the rest back there on the next write-back.
        long owed = Math.min(rest, w.mirrorTokens[i]);
        w.mirrorTokens[i] -= owed;
        w.owedTokens[i] += owed;
        freed += owed;
      }
      room = w.tpm - w.used(w.tokens, w.mirrorTokens, share, nowSec);
    }
    if (freed > 0 && room > 0 && waiting.getOrDefault(reservation.deploymentId(), false)) {
      freedListeners.freed(reservation.deploymentId(), room);
    }
    return freed;
  }

  @Override
  public Future<Void> pause(String deploymentId, long millis) {
    if (millis > 0) {
      LocalWindow w = window(deploymentId);
      long until = clock.getAsLong() + millis;
      synchronized (w) {
        w.pausedUntil = Math.max(w.pausedUntil, until);
      }
    }
    return Future.succeededFuture();
  }

  /**
   * Clamps the budget to what the provider says is left. A negative {@code remaining*} means "not reported".
   * With a share below 1 the provider's usage (limit − remaining, for every replica together) is scaled by the
   * share, like the limits.
   */
  @Override
  public Future<Void> observeRemaining(String deploymentId, BudgetLimits limits, long remainingTokens, long remainingRequests) {
    LocalWindow w = window(deploymentId);
    long nowSec = Math.floorDiv(clock.getAsLong(), 1000);
    synchronized (w) {
      double share = this.share;
      int i = -1;
      if (remainingTokens >= 0) {
        long providerUsed = (long) Math.ceil(Math.max(0, limits.tpm() - remainingTokens) * share);
        long diff = providerUsed - w.used(w.tokens, w.mirrorTokens, share, nowSec);
        if (diff > 0) {
          i = w.slotFor(nowSec);
          w.tokens[i] += diff;
        }
      }
      if (remainingRequests >= 0) {
        long providerUsed = (long) Math.ceil(Math.max(0, limits.rpm() - remainingRequests) * share);
        long diff = providerUsed - w.used(w.requests, w.mirrorRequests, share, nowSec);
        if (diff > 0) {
          i = w.slotFor(nowSec);
          w.requests[i] += diff;
        }
      }
    }
    return Future.succeededFuture();
  }

  @Override
  public Future<Headroom> headroom(String deploymentId, BudgetLimits limits) {
    return Future.succeededFuture(headroomNow(deploymentId, limits));
  }

  public Headroom headroomNow(String deploymentId, BudgetLimits limits) {
    BudgetLimits eff = effective(limits);
    LocalWindow w = windows.get(deploymentId);
    if (w == null) {
      return headroom(0, 0, eff, 0);
    }
    long now = clock.getAsLong();
    long nowSec = Math.floorDiv(now, 1000);
    synchronized (w) {
      double share = this.share;
      return headroom(w.used(w.tokens, w.mirrorTokens, share, nowSec), w.used(w.requests, w.mirrorRequests, share, nowSec), eff,
          Math.max(0, w.pausedUntil - now));
    }
  }

  /**
   * Redis reported the shared window's usage at {@code nowSec}: make the mirror agree, adding an increase to that
   * second and taking a decrease (budget given back) from the newest seconds first.
   */
  public void observed(String deploymentId, long nowSec, long tokensUsed, long requestsUsed) {
    LocalWindow w = window(deploymentId);
    synchronized (w) {
      w.mirror(w.mirrorTokens, nowSec, tokensUsed);
      w.mirror(w.mirrorRequests, nowSec, requestsUsed);
    }
  }

  /** The shared window as Redis last reported it, per live second: {second, tokens, requests}. */
  public List<long[]> mirrored(String deploymentId) {
    return perLiveSecond(deploymentId, (w, i) -> w.mirrorTokens[i] > 0 || w.mirrorRequests[i] > 0
        ? new long[] {w.slotSec[i], w.mirrorTokens[i], w.mirrorRequests[i]} : null);
  }

  /**
   * What this store granted on its own and Redis does not know yet, per live second: {second, tokens, requests,
   * granted, owed}. Tokens (granted − owed) are negative where reservations already written back settled for less.
   */
  public List<long[]> unsynced(String deploymentId) {
    return perLiveSecond(deploymentId, (w, i) -> w.tokens[i] != 0 || w.owedTokens[i] != 0 || w.requests[i] != 0
        ? new long[] {w.slotSec[i], w.tokens[i] - w.owedTokens[i], w.requests[i], w.tokens[i], w.owedTokens[i]} : null);
  }

  /** Deployments that have usage Redis does not know yet. */
  public List<String> withUnsynced() {
    return windows.keySet().stream().filter(id -> !unsynced(id).isEmpty()).toList();
  }

  /**
   * {@code written} (from {@link #unsynced}) reached Redis: it is part of the shared window now, so what was granted
   * here moves to the mirror, and what was owed is paid.
   */
  public void synced(String deploymentId, List<long[]> written) {
    LocalWindow w = windows.get(deploymentId);
    if (w == null) {
      return;
    }
    synchronized (w) {
      for (long[] s : written) {
        int i = (int) Math.floorMod(s[0], (long) w.n);
        if (w.slotSec[i] == s[0]) {
          long granted = Math.min(w.tokens[i], s[3]);
          w.tokens[i] -= granted;
          w.mirrorTokens[i] += granted;
          w.owedTokens[i] -= Math.min(w.owedTokens[i], s[4]);
          long r = Math.min(w.requests[i], s[2]);
          w.requests[i] -= r;
          w.mirrorRequests[i] += r;
        }
      }
    }
  }

  /** {@code row} of each live second of the deployment's window, skipping nulls, under the window's lock. */
  private List<long[]> perLiveSecond(String deploymentId, BiFunction<LocalWindow, Integer, long[]> row) {
    LocalWindow w = windows.get(deploymentId);
    if (w == null) {
      return List.of();
    }
    long nowSec = Math.floorDiv(clock.getAsLong(), 1000);
    synchronized (w) {
      List<long[]> out = new ArrayList<>();
      for (int i = 0; i < w.n; i++) {
        long[] r = w.live(w.slotSec[i], nowSec) ? row.apply(w, i) : null;
        if (r != null) {
          out.add(r);
        }
      }
      return out;
    }
  }

  @Override
  public void onFreed(FreedListener listener) {
    freedListeners.add(listener);
  }

  @Override
  public void waiting(String deploymentId, boolean waiting) {
    this.waiting.put(deploymentId, waiting);
  }

  @Override
  public JsonObject status() {
    return new JsonObject().put("mode", "local").put("share", share).put("windowMs", windowMs);
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }

  private LocalWindow window(String deploymentId) {
    return windows.computeIfAbsent(deploymentId, id -> new LocalWindow(slots));
  }

  private static Headroom headroom(long tUsed, long rUsed, BudgetLimits eff, long pausedFor) {
    return new Headroom(tUsed, rUsed, eff.tpm(), eff.rpm(), pausedFor);
  }
}
