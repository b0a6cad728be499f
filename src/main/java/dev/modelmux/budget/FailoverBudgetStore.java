package dev.modelmux.budget;

import dev.modelmux.config.RedisConfig;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the gateway uses when Redis is configured: shared budgets in Redis while it answers, this replica's share of
 * what is left while it does not.
 *
 * <ul>
 *   <li><b>A breaker on Redis.</b> Redis is declared unavailable after {@code failures_to_down} consecutive failed
 *       calls (each bounded by {@code timeout_ms} from its write), not by one slow call. A single failed call falls
 *       back for that call only, conservatively: it is refused (the next candidate is tried), since the other
 *       replicas still grant from Redis.</li>
 *   <li><b>No double booking.</b> A reservation whose Redis call failed may still have run there: when its late
 *       answer says it was granted, or when the answer never comes, it is released by id (idempotent in Redis), so
 *       only the local grant counts. Settlements Redis could not take are kept and retried by id.</li>
 *   <li><b>The local share continues the shared window.</b> Every Redis reply mirrors the deployment's window usage
 *       into the {@link LocalBudgetStore}; the share is 1/N of the live replicas (each announces itself every second)
 *       unless {@code local_share} is set. What a replica grants on its own is written back to Redis when it
 *       answers again, before the store switches back. A Redis that lost the window is restored from the mirrors
 *       (see {@link RedisBudgetStore}). A replica that alone loses Redis while the others still reach it grants its
 *       1/N of what was left on top of theirs until it writes back: the overshoot is bounded by that share.</li>
 * </ul>
 */
public final class FailoverBudgetStore implements BudgetStore {
  private static final Logger LOG = LoggerFactory.getLogger(FailoverBudgetStore.class);
  public static final long DEFAULT_PROBE_INTERVAL_MS = 1_000;
  private static final int MAX_PENDING = 100_000;
  private static final long SINGLE_FAILURE_RETRY_MS = 50;

  /** A settlement or release Redis has not confirmed; applied once (by id) when it answers again. */
  private record Pending(Reservation reservation, long actualTokens, boolean release, long sinceMs) {}

  private final Vertx vertx;
  private final RedisConfig config;
  private final RedisBudgetStore redis;
  private final LocalBudgetStore local;
  private final String redactedUrl;
  private final String secret;
  private final long probeIntervalMs;
  private final long windowMs;
  private final AtomicBoolean available = new AtomicBoolean(true);
  private final AtomicBoolean probing = new AtomicBoolean();
  private final AtomicInteger consecutiveFailures = new AtomicInteger();
  private final AtomicLong failures = new AtomicLong();
  private final AtomicLong fallbacks = new AtomicLong();
  private final AtomicLong replicas = new AtomicLong(1);
  private final Queue<Pending> pending = new ConcurrentLinkedQueue<>();
  private final AtomicInteger pendingCount = new AtomicInteger();
  private final AtomicBoolean reconciling = new AtomicBoolean();
  private final List<Handler<Boolean>> availabilityHandlers = new CopyOnWriteArrayList<>();
  private volatile long since = System.currentTimeMillis();
  private volatile long probeTimer = -1;
  private volatile long tickTimer = -1;
  private volatile boolean closed;

  FailoverBudgetStore(Vertx vertx, RedisConfig config, RedisBudgetStore redis, LocalBudgetStore local, long probeIntervalMs) {
    this.vertx = vertx;
    this.config = config;
    this.redis = redis;
    this.local = local;
    this.redactedUrl = RedisUrls.redact(config.url());
    this.secret = config.url() == null ? null : config.url().getRawUserInfo();
    this.probeIntervalMs = probeIntervalMs;
    this.windowMs = redis.windowMs();
    redis.knowledge(new RedisBudgetStore.Knowledge() {
      @Override
      public void observed(String deploymentId, long nowSec, long tokensUsed, long requestsUsed) {
        local.observed(deploymentId, nowSec, tokensUsed, requestsUsed);
      }

      @Override
      public List<long[]> window(String deploymentId) {
        return local.mirrored(deploymentId);
      }
    });
  }

  /** Starts on Redis, or in local-fallback mode (probing) when Redis cannot be reached now: never fails. */
  public static Future<FailoverBudgetStore> start(Vertx vertx, RedisConfig config, long windowMs) {
    return start(vertx, config, windowMs, RedisBudgetStore.DEFAULT_PREFIX, DEFAULT_PROBE_INTERVAL_MS);
  }

  public static Future<FailoverBudgetStore> start(Vertx vertx, RedisConfig config, long windowMs, String keyPrefix,
      long probeIntervalMs) {
    RedisBudgetStore redis = new RedisBudgetStore(vertx, config, windowMs, keyPrefix);
    LocalBudgetStore local = new LocalBudgetStore(windowMs, config.localShare().orElse(1.0), System::currentTimeMillis);
    FailoverBudgetStore store = new FailoverBudgetStore(vertx, config, redis, local, probeIntervalMs);
    return redis.start()
        .compose(v -> store.heartbeat().otherwiseEmpty())
        .map(v -> {
          LOG.info("Budget store: shared budgets in Redis ({}) at {}", config.type().name().toLowerCase(), store.redactedUrl);
          return store;
        })
        .recover(err -> {
          store.markDown(err);
          return Future.succeededFuture(store);
        })
        .onSuccess(s -> s.tickTimer = vertx.setPeriodic(probeIntervalMs, id -> s.tick()));
  }

  /** True while budgets are shared through Redis (for metrics and readiness). */
  public boolean redisAvailable() {
    return available.get();
  }

  /** "redis" or "local-fallback". */
  public String mode() {
    return available.get() ? "redis" : "local-fallback";
  }

  /** Called with the new availability on every transition (down: false, recovered: true), on any thread. */
  public void onAvailabilityChange(Handler<Boolean> handler) {
    availabilityHandlers.add(handler);
  }

  /** Failed or timed-out Redis calls since start (probes not counted). */
  public long failures() {
    return failures.get();
  }

  /** Calls answered locally (or refused) because Redis failed them or was unavailable. */
  public long fallbacks() {
    return fallbacks.get();
  }

  /** Settlements and releases waiting for Redis to confirm them. */
  public int pendingReconciliations() {
    return pendingCount.get();
  }

  public LocalBudgetStore local() {
    return local;
  }

  public RedisBudgetStore redis() {
    return redis;
  }

  @Override
  public Future<Void> warm() {
    return redis.warm().otherwiseEmpty();
  }

  @Override
  public Future<ReserveResult> reserve(String deploymentId, BudgetLimits limits, long tokens) {
    if (!available.get()) {
      return Future.succeededFuture(fallback(deploymentId, limits, tokens));
    }
    String id = RedisBudgetStore.newReservationId();
    // A failed call is asked once more under the same id: Redis grants an id once, so a call that did run answers
    // with its grant, never a second one.
    return bounded(redis.reserve(deploymentId, limits, tokens, id))
        .recover(err -> available.get() ? bounded(redis.reserve(deploymentId, limits, tokens, id)) : Future.failedFuture(err))
        .recover(err -> {
          // It may still run (or have run) in Redis: release it by id; a release that arrives first leaves a tombstone.
          queue(new Pending(new Reservation(deploymentId, id, tokens, 0, false), 0, true, System.currentTimeMillis()));
          if (!available.get()) {
            return Future.succeededFuture(fallback(deploymentId, limits, tokens));
          }
          // Failed twice while the other replicas still grant from Redis: a local grant would come on top of theirs,
          // so this call is refused (the next candidate is tried) rather than risk the account.
          fallbacks.incrementAndGet();
          return Future.succeededFuture(new ReserveResult.Denied(SINGLE_FAILURE_RETRY_MS, local.headroomNow(deploymentId, limits),
              ReserveResult.Reason.UNAVAILABLE));
        });
  }

  private ReserveResult fallback(String deploymentId, BudgetLimits limits, long tokens) {
    fallbacks.incrementAndGet();
    if (config.onUnavailable() == RedisConfig.OnUnavailable.FAIL_CLOSED) {
      return new ReserveResult.Denied(probeIntervalMs, local.headroomNow(deploymentId, limits), ReserveResult.Reason.UNAVAILABLE);
    }
    return local.reserveNow(deploymentId, limits, tokens);
  }

  @Override
  public Future<Void> settle(Reservation reservation, long actualTokens) {
    if (reservation.local()) {
      return local.settle(reservation, actualTokens);
    }
    Pending p = new Pending(reservation, actualTokens, false, System.currentTimeMillis());
    if (!available.get()) {
      queue(p);
      return Future.succeededFuture();
    }
    return bounded(redis.settle(reservation, actualTokens)).recover(err -> {
      queue(p);
      return Future.succeededFuture();
    });
  }

  @Override
  public Future<Void> pause(String deploymentId, long millis) {
    local.pause(deploymentId, millis);
    if (!available.get()) {
      return Future.succeededFuture();
    }
    return bounded(redis.pause(deploymentId, millis)).otherwiseEmpty();
  }

  @Override
  public Future<Void> observeRemaining(String deploymentId, BudgetLimits limits, long remainingTokens, long remainingRequests) {
    local.observeRemaining(deploymentId, limits, remainingTokens, remainingRequests);
    if (!available.get()) {
      return Future.succeededFuture();
    }
    return bounded(redis.observeRemaining(deploymentId, limits, remainingTokens, remainingRequests)).otherwiseEmpty();
  }

  @Override
  public Future<Headroom> headroom(String deploymentId, BudgetLimits limits) {
    if (!available.get()) {
      return local.headroom(deploymentId, limits);
    }
    return bounded(redis.headroom(deploymentId, limits)).recover(err -> local.headroom(deploymentId, limits));
  }

  @Override
  public void onFreed(FreedListener listener) {
    redis.onFreed(listener);
    local.onFreed(listener);
  }

  @Override
  public void waiting(String deploymentId, boolean waiting) {
    local.waiting(deploymentId, waiting);
    if (available.get()) {
      redis.waiting(deploymentId, waiting);
    }
  }

  @Override
  public JsonObject status() {
    return new JsonObject()
        .put("mode", mode())
        .put("localShare", local.share())
        .put("replicas", replicas.get())
        .put("onUnavailable", config.onUnavailable().name().toLowerCase())
        .put("redis", redis.status().getJsonObject("redis")
            .put("available", available.get())
            .put("since", Instant.ofEpochMilli(since).toString())
            .put("failures", failures.get())
            .put("fallbacks", fallbacks.get())
            .put("pendingReconciliations", pendingCount.get()));
  }

  @Override
  public Future<Void> close() {
    closed = true;
    cancelProbe();
    if (tickTimer >= 0) {
      vertx.cancelTimer(tickTimer);
    }
    return redis.close().compose(v -> local.close());
  }

  // --- the breaker on Redis ---

  /**
   * The call within the command timeout, its outcome counted for the breaker. The deadline is a timer on the calling
   * event loop (not a global one), so an event loop too busy to read a reply that has already arrived does not
   * count it as Redis being slow.
   */
  private <T> Future<T> bounded(Future<T> call) {
    if (call.isComplete()) {
      return counted(call);
    }
    Promise<T> bounded = Promise.promise();
    long timer = vertx.setTimer(config.timeoutMs(), id -> bounded.tryFail(
        new TimeoutException("no answer from Redis within " + config.timeoutMs() + " ms")));
    call.onComplete(ar -> {
      vertx.cancelTimer(timer);
      if (ar.succeeded()) {
        bounded.tryComplete(ar.result());
      } else {
        bounded.tryFail(ar.cause());
      }
    });
    return counted(bounded.future());
  }

  private <T> Future<T> counted(Future<T> call) {
    return call.andThen(ar -> {
      if (ar.succeeded()) {
        consecutiveFailures.set(0);
      } else {
        failed(ar.cause());
      }
    });
  }

  private void failed(Throwable err) {
    failures.incrementAndGet();
    if (consecutiveFailures.incrementAndGet() >= config.failuresToDown()) {
      markDown(err);
    }
  }

  private void markDown(Throwable err) {
    if (closed || !available.compareAndSet(true, false)) {
      return;
    }
    since = System.currentTimeMillis();
    int failed = consecutiveFailures.get();
    LOG.warn("Budget store: Redis at {} is unavailable {} ({}); answering from this replica's local share ({}% of what "
        + "is left of each deployment's limits{}) until it returns", redactedUrl,
        failed == 0 ? "at start" : "after " + failed + " consecutive failed calls", describe(err), Math.round(local.share() * 100),
        config.onUnavailable() == RedisConfig.OnUnavailable.FAIL_CLOSED ? "; on_unavailable: fail_closed refuses instead" : "");
    fire(false);
    startProbe();
  }

  private void markUp() {
    if (closed || !available.compareAndSet(false, true)) {
      return;
    }
    consecutiveFailures.set(0);
    long downFor = System.currentTimeMillis() - since;
    since = System.currentTimeMillis();
    cancelProbe();
    LOG.info("Budget store: Redis at {} is available again after {} ms; local grants written back, budgets are shared again",
        redactedUrl, downFor);
    fire(true);
  }

  private synchronized void startProbe() {
    if (probeTimer < 0 && !closed) {
      probeTimer = vertx.setPeriodic(probeIntervalMs, id -> probe());
    }
  }

  private synchronized void cancelProbe() {
    if (probeTimer >= 0) {
      vertx.cancelTimer(probeTimer);
      probeTimer = -1;
    }
  }

  /** Redis answers again: reload scripts, write back what was granted locally, apply pending settles, then switch. */
  private void probe() {
    if (available.get() || closed || !probing.compareAndSet(false, true)) {
      return;
    }
    redis.ping().timeout(config.timeoutMs(), TimeUnit.MILLISECONDS)
        .compose(v -> redis.start())
        .compose(v -> writeBack())
        .compose(v -> heartbeat())
        .onComplete(ar -> {
          probing.set(false);
          if (ar.succeeded()) {
            markUp();
            reconcile();
          } else {
            LOG.debug("Budget store: Redis at {} still unavailable: {}", redactedUrl, describe(ar.cause()));
          }
        });
  }

  /** Every second: announce this replica (and learn N), and write back whatever a single failed call left behind. */
  private void tick() {
    if (closed || !available.get()) {
      return;
    }
    heartbeat().onFailure(this::failed);
    reconcile();
  }

  private Future<Void> heartbeat() {
    return redis.heartbeat().timeout(config.timeoutMs(), TimeUnit.MILLISECONDS).map(n -> {
      replicas.set(Math.max(1, n));
      if (config.localShare().isEmpty()) {
        local.share(1.0 / Math.max(1, n));
      }
      return null;
    });
  }

  private Future<Void> writeBack() {
    List<Future<Void>> writes = new ArrayList<>();
    for (String id : local.withUnsynced()) {
      List<long[]> own = local.unsynced(id);
      writes.add(redis.merge(id, "add", own).timeout(config.timeoutMs(), TimeUnit.MILLISECONDS)
          .onSuccess(v -> local.synced(id, own)));
    }
    return Future.all(writes).mapEmpty();
  }

  /** Applies pending settlements and releases (idempotent by reservation id) and writes back local grants. */
  private void reconcile() {
    if (closed || !available.get() || !reconciling.compareAndSet(false, true)) {
      return;
    }
    List<Future<Void>> calls = new ArrayList<>();
    long oldest = System.currentTimeMillis() - windowMs;
    Pending p;
    List<Pending> retry = new ArrayList<>();
    while ((p = pending.poll()) != null) {
      pendingCount.decrementAndGet();
      if (p.sinceMs() < oldest) {
        continue; // out of the window: nothing left to correct
      }
      Pending item = p;
      Future<Void> call = item.release() ? redis.release(item.reservation()) : redis.settle(item.reservation(), item.actualTokens());
      calls.add(call.timeout(config.timeoutMs(), TimeUnit.MILLISECONDS).onFailure(e -> {
        synchronized (retry) {
          retry.add(item);
        }
      }));
    }
    calls.add(writeBack());
    Future.join(calls).onComplete(ar -> {
      synchronized (retry) {
        retry.forEach(this::queue);
      }
      reconciling.set(false);
    });
  }

  private void queue(Pending p) {
    if (pendingCount.incrementAndGet() > MAX_PENDING) {
      pendingCount.decrementAndGet();
      LOG.warn("Budget store: more than {} settlements wait for Redis; dropping one (its reservation ages out)", MAX_PENDING);
      return;
    }
    pending.add(p);
  }

  private void fire(boolean nowAvailable) {
    for (Handler<Boolean> h : availabilityHandlers) {
      try {
        h.handle(nowAvailable);
      } catch (RuntimeException e) {
        LOG.warn("budget store availability handler failed", e);
      }
    }
  }

  /** The failure's class and message, with the URL's credentials removed should the message carry them. */
  private String describe(Throwable err) {
    String m = err.getClass().getSimpleName() + (err.getMessage() == null ? "" : ": " + err.getMessage());
    if (secret != null && !secret.isEmpty()) {
      m = m.replace(secret, "***");
      int colon = secret.indexOf(':');
      if (colon >= 0 && colon < secret.length() - 1) {
        m = m.replace(secret.substring(colon + 1), "***");
      }
    }
    return m;
  }
}
