package dev.modelmux.budget;

import dev.modelmux.config.RedisConfig;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the gateway uses when Redis is configured: shared budgets in Redis while it answers, this replica's share of
 * every deployment's limits (a {@link LocalBudgetStore} scaled by {@code localShare}) while it does not.
 *
 * <p>The first failed or timed-out call marks Redis unavailable (one WARN per transition, the URL redacted) and is
 * answered locally, like every later call; a background probe (PING, then script reload and resubscribe, every
 * second, each bounded by the timeout) switches back when Redis returns and logs the recovery. Reservations taken
 * locally settle locally ({@link Reservation#local()}); settling a Redis reservation while Redis is away is dropped,
 * as the reservation ages out of the shared window on its own. Pauses and provider-reported remaining budgets are
 * recorded in the local store too, so a fallback starts from what the providers last said.
 */
public final class FailoverBudgetStore implements BudgetStore {
  private static final Logger LOG = LoggerFactory.getLogger(FailoverBudgetStore.class);
  public static final long DEFAULT_PROBE_INTERVAL_MS = 1_000;

  private final Vertx vertx;
  private final RedisBudgetStore redis;
  private final LocalBudgetStore local;
  private final String redactedUrl;
  private final String secret;
  private final long probeIntervalMs;
  private final AtomicBoolean available = new AtomicBoolean(true);
  private final AtomicBoolean probing = new AtomicBoolean();
  private final AtomicLong failures = new AtomicLong();
  private final List<Handler<Boolean>> availabilityHandlers = new CopyOnWriteArrayList<>();
  private volatile long since = System.currentTimeMillis();
  private volatile long probeTimer = -1;
  private volatile boolean closed;

  FailoverBudgetStore(Vertx vertx, RedisConfig config, RedisBudgetStore redis, LocalBudgetStore local, long probeIntervalMs) {
    this.vertx = vertx;
    this.redis = redis;
    this.local = local;
    this.redactedUrl = RedisUrls.redact(config.url());
    this.secret = config.url() == null ? null : config.url().getRawUserInfo();
    this.probeIntervalMs = probeIntervalMs;
  }

  /** Starts on Redis, or in local-fallback mode (probing) when Redis cannot be reached now: never fails. */
  public static Future<FailoverBudgetStore> start(Vertx vertx, RedisConfig config, long windowMs) {
    return start(vertx, config, windowMs, RedisBudgetStore.DEFAULT_PREFIX, DEFAULT_PROBE_INTERVAL_MS);
  }

  public static Future<FailoverBudgetStore> start(Vertx vertx, RedisConfig config, long windowMs, String keyPrefix,
      long probeIntervalMs) {
    RedisBudgetStore redis = new RedisBudgetStore(vertx, config, windowMs, keyPrefix);
    LocalBudgetStore local = new LocalBudgetStore(windowMs, config.localShare(), System::currentTimeMillis);
    FailoverBudgetStore store = new FailoverBudgetStore(vertx, config, redis, local, probeIntervalMs);
    return redis.start()
        .map(v -> {
          LOG.info("Budget store: shared budgets in Redis at {}", store.redactedUrl);
          return store;
        })
        .recover(err -> {
          store.markDown(err);
          return Future.succeededFuture(store);
        });
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

  public LocalBudgetStore local() {
    return local;
  }

  @Override
  public Future<ReserveResult> reserve(String deploymentId, BudgetLimits limits, long tokens) {
    if (!available.get()) {
      return local.reserve(deploymentId, limits, tokens);
    }
    return redis.reserve(deploymentId, limits, tokens).recover(err -> {
      markDown(err);
      return local.reserve(deploymentId, limits, tokens);
    });
  }

  @Override
  public Future<Void> settle(Reservation reservation, long actualTokens) {
    if (reservation.local()) {
      return local.settle(reservation, actualTokens);
    }
    if (!available.get()) {
      return Future.succeededFuture(); // ages out of the shared window by itself
    }
    return redis.settle(reservation, actualTokens).recover(err -> {
      markDown(err);
      return Future.succeededFuture();
    });
  }

  @Override
  public Future<Void> pause(String deploymentId, long millis) {
    local.pause(deploymentId, millis);
    if (!available.get()) {
      return Future.succeededFuture();
    }
    return redis.pause(deploymentId, millis).recover(err -> {
      markDown(err);
      return Future.succeededFuture();
    });
  }

  @Override
  public Future<Void> observeRemaining(String deploymentId, BudgetLimits limits, long remainingTokens, long remainingRequests) {
    local.observeRemaining(deploymentId, limits, remainingTokens, remainingRequests);
    if (!available.get()) {
      return Future.succeededFuture();
    }
    return redis.observeRemaining(deploymentId, limits, remainingTokens, remainingRequests).recover(err -> {
      markDown(err);
      return Future.succeededFuture();
    });
  }

  @Override
  public Future<Headroom> headroom(String deploymentId, BudgetLimits limits) {
    if (!available.get()) {
      return local.headroom(deploymentId, limits);
    }
    return redis.headroom(deploymentId, limits).recover(err -> {
      markDown(err);
      return local.headroom(deploymentId, limits);
    });
  }

  @Override
  public void onFreed(Handler<String> handler) {
    redis.onFreed(handler);
    local.onFreed(handler);
  }

  @Override
  public JsonObject status() {
    return new JsonObject()
        .put("mode", mode())
        .put("localShare", local.share())
        .put("redis", new JsonObject()
            .put("available", available.get())
            .put("since", Instant.ofEpochMilli(since).toString())
            .put("failures", failures.get())
            .put("url", redactedUrl)
            .put("subscribed", redis.subscribed()));
  }

  @Override
  public Future<Void> close() {
    closed = true;
    cancelProbe();
    return redis.close().compose(v -> local.close());
  }

  // --- transitions ---

  private void markDown(Throwable err) {
    failures.incrementAndGet();
    if (closed || !available.compareAndSet(true, false)) {
      return;
    }
    since = System.currentTimeMillis();
    LOG.warn("Budget store: Redis at {} is unavailable ({}); answering from this replica's local share ({}% of each "
        + "deployment's limits) until it returns", redactedUrl, describe(err), Math.round(local.share() * 100));
    fire(false);
    startProbe();
  }

  private void markUp() {
    if (closed || !available.compareAndSet(false, true)) {
      return;
    }
    long downFor = System.currentTimeMillis() - since;
    since = System.currentTimeMillis();
    cancelProbe();
    LOG.info("Budget store: Redis at {} is available again after {} ms; budgets are shared again", redactedUrl, downFor);
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

  private void probe() {
    if (available.get() || closed || !probing.compareAndSet(false, true)) {
      return;
    }
    redis.ping()
        .compose(v -> redis.start())
        .onComplete(ar -> {
          probing.set(false);
          if (ar.succeeded()) {
            markUp();
          } else {
            LOG.debug("Budget store: Redis at {} still unavailable: {}", redactedUrl, describe(ar.cause()));
          }
        });
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
