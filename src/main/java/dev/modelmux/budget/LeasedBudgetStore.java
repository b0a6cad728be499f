package dev.modelmux.budget;

import dev.modelmux.config.RedisConfig;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Budgets shared by every replica through Redis, by lease (after Doorman and CockroachDB's distributed token bucket).
 *
 * <ul>
 *   <li><b>A reservation never waits on the network</b> while this replica holds a lease that fits it: it is taken in
 *       memory ({@link Allowance}), and settling gives the unused part back to the lease.</li>
 *   <li><b>Leases are counted as used.</b> Redis books a lease into the sliding window when it grants it, at the second
 *       it ends, and this replica spends from it only until a second before that: every request sent from a lease is
 *       counted for a whole window after it was sent, whatever the timing, CPU, GC pauses or Redis latency. So what all
 *       replicas send in any window never exceeds the limit. A closed lease gives back what it did not spend.</li>
 *   <li><b>Sized by demand, refilled ahead.</b> A lease is asked for what this replica spent in a lease's time
 *       recently, again once half of it is spent or it nears its end; Redis caps it at this replica's share of what is
 *       left by demand, so leases shrink to single requests when little is left (the trickle).</li>
 *   <li><b>A slow answer is not a lost Redis.</b> One call per deployment is in flight at a time and is never given
 *       up: a reservation that does not fit in what this replica holds waits for it, and a call whose connection
 *       failed is sent again (every amount is absolute and every lease has an id, so nothing counts twice). Redis is
 *       unavailable only after {@code unavailable_after_ms} without an answer (and {@code failures_to_down} failed
 *       calls, or a call pending that long): then waiting reservations and new ones are answered by
 *       {@code on_unavailable} (this replica's local share of what was left, or a refusal).</li>
 *   <li><b>Redis restarted empty</b> is given back every lease the replicas hold and have not seen leave the window
 *       (the data epoch changed: each replica restores on its next call, and new grants wait until every live replica
 *       has, for at most {@link #RESTORE_BARRIER_MS}).</li>
 * </ul>
 */
public final class LeasedBudgetStore implements BudgetStore {
  private static final Logger LOG = LoggerFactory.getLogger(LeasedBudgetStore.class);
  public static final long DEFAULT_TICK_MS = 100;
  /** After Redis lost a window, new grants wait at most this long for every replica that knew it to restore it. */
  static final long RESTORE_BARRIER_MS = 5_000;
  private static final long RESEND_BACKOFF_MS = 100;

  private final Vertx vertx;
  private final Context context;
  private final RedisConfig config;
  private final RedisWindow redis;
  private final LocalBudgetStore local;
  private final String redactedUrl;
  private final long windowMs;
  private final Map<String, Allowance> allowances = new ConcurrentHashMap<>();
  private final Map<String, Boolean> waiting = new ConcurrentHashMap<>();
  private final FreedListeners freedListeners = new FreedListeners();
  private final RedisAvailability availability;
  private final DeploymentSignals signals;
  private final AtomicLong replicas = new AtomicLong(1);
  private String dataEpoch = "";
  private long ticks;
  private long tickTimer = -1;
  private volatile boolean closed;

  LeasedBudgetStore(Vertx vertx, RedisConfig config, RedisWindow redis, LocalBudgetStore local) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.config = config;
    this.redis = redis;
    this.local = local;
    this.redactedUrl = RedisUrls.redact(config.url());
    this.windowMs = redis.windowMs();
    this.availability = new RedisAvailability(config, local);
    this.signals = new RedisSignals(vertx, redis, config.timeoutMs(), availability::available);
    redis.onFreed(freedListeners);
    local.onFreed(freedListeners);
  }

  /** Starts, whether or not Redis answers now (lease calls wait for it, up to {@code unavailable_after_ms}): never fails. */
  public static Future<LeasedBudgetStore> start(Vertx vertx, RedisConfig config, long windowMs) {
    return start(vertx, config, windowMs, RedisWindow.DEFAULT_PREFIX, DEFAULT_TICK_MS);
  }

  public static Future<LeasedBudgetStore> start(Vertx vertx, RedisConfig config, long windowMs, String keyPrefix, long tickMs) {
    RedisWindow redis = new RedisWindow(vertx, config, windowMs, keyPrefix);
    LocalBudgetStore local = new LocalBudgetStore(windowMs, config.localShare().orElse(1.0), System::currentTimeMillis);
    LeasedBudgetStore store = new LeasedBudgetStore(vertx, config, redis, local);
    Promise<LeasedBudgetStore> started = Promise.promise();
    store.context.runOnContext(v -> redis.start()
        .compose(x -> store.heartbeat())
        .onSuccess(x -> LOG.info("Budget store: budgets leased from Redis ({}) at {}, leases of {} ms",
            config.type().name().toLowerCase(), store.redactedUrl, config.leaseMs()))
        .onFailure(e -> store.failed(e, System.nanoTime()))
        .onFailure(e -> LOG.warn("Budget store: Redis at {} did not answer at start ({}); reservations wait for it, and "
            + "after {} ms without an answer this replica answers from on_unavailable", store.redactedUrl,
            RedisUrls.describe(e, config.url()), config.unavailableAfterMs()))
        .onComplete(ar -> {
          store.tickTimer = vertx.setPeriodic(tickMs, id -> store.tick());
          started.complete(store);
        }));
    return started.future();
  }

  public boolean redisAvailable() {
    return availability.available();
  }

  /** "redis" or "local-fallback". */
  public String mode() {
    return availability.available() ? "redis" : "local-fallback";
  }

  /** Called with the new availability on every transition (down: false, recovered: true). */
  public void onAvailabilityChange(Handler<Boolean> handler) {
    availability.onChange(handler);
  }

  public long failures() {
    return availability.failures();
  }

  /** Reservations answered from the local share (or refused) because Redis was unavailable. */
  public long fallbacks() {
    return availability.fallbacks();
  }

  /** Lease calls this replica sent (each a round trip). */
  public long leaseCalls() {
    return redis.leaseCalls();
  }

  public RedisWindow redis() {
    return redis;
  }

  public LocalBudgetStore local() {
    return local;
  }

  @Override
  public Future<Void> warm() {
    return redis.warm().otherwiseEmpty();
  }

  @Override
  public Future<ReserveResult> reserve(String deploymentId, BudgetLimits limits, long tokens) {
    long now = System.nanoTime();
    Allowance a = allowance(deploymentId, limits);
    long take = Math.max(0, tokens);
    ReserveResult held = a.take(limits, take, now);
    if (held != null) {
      if (a.hasWork(now)) {
        pump(a);
      }
      return Future.succeededFuture(held);
    }
    if (!availability.available()) {
      return Future.succeededFuture(availability.fallback(deploymentId, limits, take));
    }
    Context caller = vertx.getOrCreateContext();
    Promise<ReserveResult> answer = Promise.promise();
    a.enqueue(new Allowance.Ask(take, now, r -> caller.runOnContext(v -> answer.complete(r))));
    pump(a);
    return answer.future();
  }

  @Override
  public Future<Void> settle(Reservation reservation, long actualTokens) {
    if (reservation.local()) {
      return local.settle(reservation, actualTokens);
    }
    Allowance a = allowances.get(reservation.deploymentId());
    if (a != null) {
      a.settle(reservation, actualTokens);
      long now = System.nanoTime();
      if (actualTokens < reservation.tokens() && waiting.getOrDefault(reservation.deploymentId(), false)) {
        long held = a.heldTokens(now);
        if (held > 0) {
          freedListeners.freed(reservation.deploymentId(), held);
        }
      }
    }
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> pause(String deploymentId, long millis) {
    if (millis <= 0) {
      return Future.succeededFuture();
    }
    local.pause(deploymentId, millis);
    Allowance a = allowances.get(deploymentId);
    if (a != null) {
      a.pause(millis, System.nanoTime());
    }
    if (availability.available()) {
      redis.pause(deploymentId, millis).onFailure(e -> LOG.debug("pause of {} not shared: {}", deploymentId, e.toString()));
    }
    return Future.succeededFuture();
  }

  /** Breaker openings, closes and probe claims, shared with the other replicas through the same Redis. */
  @Override
  public DeploymentSignals signals() {
    return signals;
  }

  @Override
  public Future<Void> observeRemaining(String deploymentId, BudgetLimits limits, long remainingTokens, long remainingRequests) {
    local.observeRemaining(deploymentId, limits, remainingTokens, remainingRequests);
    if (availability.available()) {
      redis.observeRemaining(deploymentId, limits, remainingTokens, remainingRequests)
          .onFailure(e -> LOG.debug("provider's remaining budget of {} not shared: {}", deploymentId, e.toString()));
    }
    return Future.succeededFuture();
  }

  /** The shared window as Redis holds it now (this replica's unspent leases counted as free), or as last seen. */
  @Override
  public Future<Headroom> headroom(String deploymentId, BudgetLimits limits) {
    Allowance a = allowances.get(deploymentId);
    long now = System.nanoTime();
    Headroom known = a == null ? local.headroomNow(deploymentId, limits) : a.headroom(now);
    if (!availability.available()) {
      return Future.succeededFuture(known);
    }
    return redis.headroom(deploymentId, limits).timeout(config.timeoutMs(), TimeUnit.MILLISECONDS)
        .map(h -> a == null ? h : a.lessHeld(h, now))
        .otherwise(known);
  }

  /** This replica's lease on a deployment, and what every replica holds there (as Redis last said). */
  @Override
  public JsonObject lease(String deploymentId) {
    Allowance a = allowances.get(deploymentId);
    return a == null ? Allowance.report(0, 0, null) : a.report(System.nanoTime());
  }

  @Override
  public void onFreed(FreedListener listener) {
    freedListeners.add(listener);
  }

  @Override
  public void waiting(String deploymentId, boolean waiting) {
    this.waiting.put(deploymentId, waiting);
    local.waiting(deploymentId, waiting);
    if (availability.available()) {
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
        .put("leaseMs", config.leaseMs())
        .put("leaseCalls", redis.leaseCalls())
        .put("redis", availability.status(redis.status()));
  }

  @Override
  public Future<Void> close() {
    closed = true;
    Promise<Void> closedAll = Promise.promise();
    context.runOnContext(v -> {
      if (tickTimer >= 0) {
        vertx.cancelTimer(tickTimer);
      }
      returnUnspent().compose(x -> redis.close()).compose(x -> local.close()).onComplete(closedAll);
    });
    return closedAll.future();
  }

  /** On a clean shutdown, what this replica holds and did not spend goes back at once, so nobody waits for it. */
  private Future<Void> returnUnspent() {
    if (!availability.available()) {
      return Future.succeededFuture();
    }
    List<Future<?>> returns = new ArrayList<>();
    long now = System.nanoTime() + 1_000_000_000_000L; // every lease has ended
    for (Allowance a : allowances.values()) {
      LeaseCall call = a.nextCall(now);
      if (call != null) {
        returns.add(redis.lease(a.deploymentId, a.limits(), call, a.leaseSeconds(), replicas.get(), RESTORE_BARRIER_MS)
            .timeout(config.timeoutMs(), TimeUnit.MILLISECONDS));
      }
    }
    return Future.join(returns).<Void>mapEmpty().otherwiseEmpty();
  }

  // --- calls: one in flight per allowance, all sent from this store's context (one connection, in order) ---

  private Allowance allowance(String deploymentId, BudgetLimits limits) {
    return allowances.computeIfAbsent(deploymentId, id -> new Allowance(id, limits, config.leaseMs(), windowMs));
  }

  private void pump(Allowance a) {
    context.runOnContext(v -> send(a, a.nextCall(System.nanoTime())));
  }

  private void send(Allowance a, LeaseCall call) {
    if (call == null || closed) {
      return;
    }
    redis.lease(a.deploymentId, a.limits(), call, a.leaseSeconds(), replicas.get(), RESTORE_BARRIER_MS).onComplete(ar -> {
      long now = System.nanoTime();
      if (ar.succeeded()) {
        answered(now);
        LeaseReply reply = ar.result();
        if (reply.code() != 5 && reply.code() != 7) {
          // The local share continues this window if Redis goes away (a lost or half-restored one is not mirrored).
          local.observed(a.deploymentId, reply.nowSec(), reply.tokensUsed(), reply.requestsUsed());
        }
        a.apply(call, reply, now).forEach(Runnable::run);
        if (a.hasWork(now)) {
          send(a, a.nextCall(now));
        }
        return;
      }
      failed(ar.cause(), now);
      // Sent again as it was: Redis applies it once, whichever copy arrives.
      vertx.setTimer(RESEND_BACKOFF_MS, t -> send(a, call));
    });
  }

  private void answered(long now) {
    if (availability.answered()) {
      recover();
    }
  }

  private void failed(Throwable err, long now) {
    availability.failed(err, now);
    checkUnavailable(now, err);
  }

  private void checkUnavailable(long now, Throwable err) {
    long oldestCall = 0;
    for (Allowance a : allowances.values()) {
      oldestCall = Math.max(oldestCall, a.callAgeNanos(now));
    }
    if (!closed) {
      availability.check(now, oldestCall, err);
    }
  }

  private void tick() {
    if (closed) {
      return;
    }
    long now = System.nanoTime();
    if (availability.available()) {
      checkUnavailable(now, new IllegalStateException("a lease call unanswered or failing for " + config.unavailableAfterMs() + " ms"));
    }
    for (Allowance a : allowances.values()) {
      if (!availability.available()) {
        for (Allowance.Ask ask : a.drainQueue()) {
          ask.answer().accept(availability.fallback(a.deploymentId, a.limits(), ask.tokens()));
        }
      }
      // A safety net only: Redis is declared unavailable (and the queue answered above) well before this.
      a.expire(2 * config.unavailableAfterMs() * 1_000_000L, now, ReserveResult.Reason.UNAVAILABLE).forEach(Runnable::run);
      if (a.hasWork(now)) {
        send(a, a.nextCall(now));
      }
    }
    if (++ticks % Math.max(1, 1000 / DEFAULT_TICK_MS) == 0) {
      heartbeat().onFailure(e -> LOG.debug("Budget store: heartbeat to {} failed: {}", redactedUrl, e.toString()));
      if (!redis.subscribed()) {
        redis.start().onFailure(e -> failed(e, System.nanoTime()));
      }
    }
  }

  /** Announces this replica (and learns N); a new data epoch means Redis lost everything: every allowance restores. */
  private Future<Void> heartbeat() {
    return redis.heartbeat().timeout(config.timeoutMs(), TimeUnit.MILLISECONDS).map(p -> {
      answered(System.nanoTime()); // Redis answers: failures reset, and a store that was unavailable comes back
      replicas.set(Math.max(1, p.replicas()));
      if (config.localShare().isEmpty()) {
        local.share(1.0 / Math.max(1, p.replicas()));
      }
      if (!dataEpoch.isEmpty() && !dataEpoch.equals(p.epoch())) {
        LOG.warn("Budget store: Redis at {} lost its data (restarted empty?); giving it back the leases this replica holds",
            redactedUrl);
        allowances.values().forEach(a -> {
          a.mustRestore();
          pump(a);
        });
      }
      dataEpoch = p.epoch();
      return null;
    });
  }

  /** Redis answers again: what was granted locally is written back (as leases of its own), then budgets are shared. */
  private void recover() {
    // A store that started while Redis was down never loaded its scripts nor subscribed to the freed channel.
    redis.start().onFailure(e -> LOG.debug("Budget store: restart of {} after its return failed: {}", redactedUrl, e.toString()));
    availability.recover(redis.instanceId(), (id, ops) -> {
      Allowance a = allowances.get(id);
      if (a != null) {
        a.add(ops);
        pump(a);
      }
    });
  }
}
