package dev.modelmux.budget;

import dev.modelmux.config.RedisConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Budgets shared by every replica through Redis (standalone, Cluster or Sentinel). Each call is one round trip on a
 * pipelined connection ({@link RedisLink}): an {@code EVALSHA} of a Lua script (see {@code src/main/resources/budget/})
 * that uses Redis server time, so replicas' clocks do not matter, and touches the keys of one deployment only (one
 * hash tag: one cluster slot). A script Redis does not know ({@code NOSCRIPT}: a restart, a failover, a cluster node
 * that never saw it) is sent once as {@code EVAL}, which also caches it there.
 *
 * <p>Every reservation has an id and Redis applies each id once: a repeated reserve returns the same grant, a settle
 * or release of an id Redis never saw leaves a tombstone so that a late reserve with that id grants nothing. Every
 * reply carries the deployment's window usage, passed to the {@link Knowledge}, which also supplies what this
 * replica knows of the window when Redis lost it (an epoch key that never expires is missing or has changed): the
 * replica restores it, merged by maximum per slot, before it takes a grant there again.
 *
 * <p>The futures returned here are the commands' own, with no deadline: {@link FailoverBudgetStore} bounds them and
 * reconciles what a late answer granted. Freed budget is announced only to a replica that has waiters (the settle
 * script picks one from the deployment's waiting set), on {@code <prefix>freed}, or returned directly when it is this
 * replica.
 */
public final class RedisBudgetStore implements BudgetStore {
  private static final Logger LOG = LoggerFactory.getLogger(RedisBudgetStore.class);
  public static final String DEFAULT_PREFIX = "mm:";
  /** The least time {@link #start()} waits for Redis. */
  public static final long START_TIMEOUT_MS = 2_000;
  /** How long a replica's announcement of itself (and of its waiters) lives without a refresh. */
  public static final long PRESENCE_TTL_MS = 3_000;
  /** A waiting flag outlives the longest wait a route may set; a replica that dies with waiters leaves it to expire. */
  private static final long WAITING_TTL_MS = 120_000;
  /** After Redis lost a window, grants wait at most this long for every replica that knew it to restore it. */
  static final long RESTORE_BARRIER_MS = 2_000;

  /** What this replica knows of each deployment's shared window. */
  public interface Knowledge {
    /** Redis reported the window's usage at {@code nowSec} (its clock). */
    void observed(String deploymentId, long nowSec, long tokensUsed, long requestsUsed);

    /** This replica's picture of the shared window, per live second: {second, tokens, requests}. */
    List<long[]> window(String deploymentId);
  }

  private final Vertx vertx;
  private final RedisConfig config;
  private final String redactedUrl;
  private final long windowMs;
  private final String prefix;
  private final String channel;
  private final String instanceId = UUID.randomUUID().toString();
  private final RedisLink link;
  private final List<FreedListener> freedListeners = new CopyOnWriteArrayList<>();
  private final Map<String, String> epochs = new ConcurrentHashMap<>();
  private final Map<String, Future<Void>> restoring = new ConcurrentHashMap<>();
  private final AtomicBoolean resubscribeScheduled = new AtomicBoolean();
  private final AtomicLong reserveCalls = new AtomicLong();
  private final AtomicLong restores = new AtomicLong();
  private volatile long liveReplicas = 1;
  /** When {@link #liveReplicas} was last confirmed (a count at least as high was reported). */
  private volatile long liveReplicasSinceMs;
  private volatile Knowledge knowledge = new Knowledge() {
    @Override
    public void observed(String deploymentId, long nowSec, long tokensUsed, long requestsUsed) {}

    @Override
    public List<long[]> window(String deploymentId) {
      return List.of();
    }
  };
  private Redis subscriberClient;
  private int subscriberEndpoint;
  private volatile RedisConnection subscriber;
  /** The subscribe in progress, so a probe and the resubscribe timer never open two subscriptions. */
  private Future<Void> subscribing;
  private volatile boolean closed;

  public RedisBudgetStore(Vertx vertx, RedisConfig config, long windowMs) {
    this(vertx, config, windowMs, DEFAULT_PREFIX);
  }

  /**
   * Builds the clients; nothing is sent before {@link #start()}.
   *
   * @param windowMs the sliding window (60 000 in production), rounded up to whole seconds by the scripts
   * @param keyPrefix prepended to every key and to the freed channel
   */
  public RedisBudgetStore(Vertx vertx, RedisConfig config, long windowMs, String keyPrefix) {
    if (windowMs < 1000) {
      throw new IllegalArgumentException("windowMs must be at least 1000, got " + windowMs);
    }
    this.vertx = vertx;
    this.config = config;
    this.redactedUrl = RedisUrls.redact(config.url());
    this.windowMs = windowMs;
    this.prefix = keyPrefix;
    this.channel = keyPrefix + "freed";
    this.link = new RedisLink(vertx, config);
  }

  /**
   * Opens the shared connection, loads every script and subscribes to the freed channel. Safe to call again (after
   * Redis came back). Bounded by {@link #START_TIMEOUT_MS} or the connect timeout, whichever is larger; an
   * unreachable Redis (connection refused) fails it at once.
   */
  public Future<Void> start() {
    return link.warm()
        .compose(v -> {
          List<Future<?>> loads = new ArrayList<>();
          if (config.type() != RedisConfig.Type.CLUSTER) { // a cluster node learns a script from its first EVAL
            for (BudgetScript script : BudgetScript.values()) {
              loads.add(load(script));
            }
          }
          return Future.all(loads);
        })
        .compose(v -> subscribe())
        .timeout(Math.max(START_TIMEOUT_MS, config.connectTimeoutMs()), TimeUnit.MILLISECONDS)
        .mapEmpty();
  }

  /** Opens the calling event loop's pipelined connection. */
  @Override
  public Future<Void> warm() {
    return link.warm();
  }

  public void knowledge(Knowledge knowledge) {
    this.knowledge = knowledge;
  }

  /** One PING. */
  public Future<Void> ping() {
    return link.send(Request.cmd(Command.PING)).mapEmpty();
  }

  public long timeoutMs() {
    return config.timeoutMs();
  }

  public long windowMs() {
    return windowMs;
  }

  /** Reserve script calls sent by this replica (each a round trip; the wake-one tests count them). */
  public long reserveCalls() {
    return reserveCalls.get();
  }

  /** Times this replica restored a window Redis had lost. */
  public long restores() {
    return restores.get();
  }

  /** Whether the freed-channel subscription is currently established. */
  public boolean subscribed() {
    return subscriber != null;
  }

  String windowKey(String deploymentId) {
    return prefix + "{" + deploymentId + "}:w";
  }

  String pauseKey(String deploymentId) {
    return prefix + "{" + deploymentId + "}:pause";
  }

  private String epochKey(String deploymentId) {
    return prefix + "{" + deploymentId + "}:epoch";
  }

  private String reservationKey(String deploymentId, String id) {
    return prefix + "{" + deploymentId + "}:r:" + id;
  }

  private String barrierKey(String deploymentId) {
    return prefix + "{" + deploymentId + "}:barrier";
  }

  private String restoredKey(String deploymentId) {
    return prefix + "{" + deploymentId + "}:restored";
  }

  private String waitingKey(String deploymentId) {
    return prefix + "{" + deploymentId + "}:waiting";
  }

  private String replicasKey() {
    return prefix + "{replicas}";
  }

  public static String newReservationId() {
    return UUID.randomUUID().toString();
  }

  @Override
  public Future<ReserveResult> reserve(String deploymentId, BudgetLimits limits, long tokens) {
    return reserve(deploymentId, limits, tokens, newReservationId());
  }

  /** Reserves under {@code id}: asking again with the same id never grants twice. */
  public Future<ReserveResult> reserve(String deploymentId, BudgetLimits limits, long tokens, String id) {
    return reserveOnce(deploymentId, limits, Math.max(0, tokens), id).compose(answer -> {
      if (answer != null) {
        return Future.succeededFuture(answer);
      }
      // Redis lost the window since this replica last saw it: restore what we know, then ask again (once).
      return restore(deploymentId, true)
          .compose(v -> reserveOnce(deploymentId, limits, Math.max(0, tokens), id))
          .map(again -> again != null ? again
              : new ReserveResult.Denied(50, new Headroom(0, 0, limits.tpm(), limits.rpm(), 0), ReserveResult.Reason.UNAVAILABLE));
    });
  }

  /** The answer, or null when the window must be restored first. */
  private Future<ReserveResult> reserveOnce(String deploymentId, BudgetLimits limits, long take, String id) {
    reserveCalls.incrementAndGet();
    String known = epochs.getOrDefault(deploymentId, "");
    return eval(BudgetScript.RESERVE,
        List.of(windowKey(deploymentId), pauseKey(deploymentId), epochKey(deploymentId), reservationKey(deploymentId, id),
            barrierKey(deploymentId), restoredKey(deploymentId)),
        List.of(take, limits.tpm(), limits.rpm(), windowMs, known, UUID.randomUUID().toString(), liveReplicas, RESTORE_BARRIER_MS))
        .map(r -> {
          int code = r.get(0).toInteger();
          long slot = r.get(1).toLong();
          long retryAfter = r.get(2).toLong();
          long tUsed = r.get(3).toLong();
          long rUsed = r.get(4).toLong();
          Headroom h = new Headroom(tUsed, rUsed, limits.tpm(), limits.rpm(), r.get(5).toLong());
          String epoch = r.get(6).toString();
          if (code == 5) {
            epochs.put(deploymentId, epoch);
            return null;
          }
          epochs.put(deploymentId, epoch);
          knowledge.observed(deploymentId, r.get(7).toLong(), tUsed, rUsed);
          return switch (code) {
            case 0 -> new ReserveResult.Granted(new Reservation(deploymentId, id, take, slot, false), h);
            case 1 -> new ReserveResult.Denied(retryAfter, h, ReserveResult.Reason.TOKENS);
            case 2 -> new ReserveResult.Denied(retryAfter, h, ReserveResult.Reason.REQUESTS);
            case 3 -> new ReserveResult.Denied(retryAfter, h, ReserveResult.Reason.PAUSED);
            case 4 -> new ReserveResult.Denied(retryAfter, h, ReserveResult.Reason.TOO_LARGE);
            case 6 -> new ReserveResult.Denied(1, h, ReserveResult.Reason.UNAVAILABLE);
            case 7 -> new ReserveResult.Denied(retryAfter, h, ReserveResult.Reason.UNAVAILABLE);
            default -> throw new IllegalStateException("unexpected reserve reply " + r);
          };
        });
  }

  /**
   * Redis lost this deployment's window: write back what this replica knew of it, slot by slot, by maximum.
   *
   * @param completes whether restoring completes this replica's part (false: its own grants are added next)
   */
  private Future<Void> restore(String deploymentId, boolean completes) {
    Promise<Void> mine = Promise.promise();
    Future<Void> running = restoring.putIfAbsent(deploymentId, mine.future());
    if (running != null) {
      return running; // concurrent reserves that saw the loss share one restore
    }
    restoreNow(deploymentId, completes).onComplete(ar -> {
      restoring.remove(deploymentId, mine.future());
      mine.handle(ar);
    });
    return mine.future();
  }

  private Future<Void> restoreNow(String deploymentId, boolean completes) {
    restores.incrementAndGet();
    List<long[]> known = knowledge.window(deploymentId);
    LOG.warn("Budget store: Redis at {} lost the window of deployment {} (restarted empty?); restoring it from what this "
        + "replica knew ({} slots)", redactedUrl, deploymentId, known.size());
    return merge(deploymentId, "max", known, completes);
  }

  /**
   * Adds ({@code "add"}: usage granted locally while Redis was away) or restores by maximum ({@code "max"}) per-second
   * usage {second, tokens, requests} (further elements of a row are ignored) into the shared window.
   */
  public Future<Void> merge(String deploymentId, String mode, List<long[]> slots) {
    return merge(deploymentId, mode, slots, true);
  }

  /**
   * @param completesRestore this merge is the last this replica owes a window Redis lost: it counts towards the
   *     barrier that holds grants back (a restore followed by an add counts at the add, so no grant slips in between)
   */
  private Future<Void> merge(String deploymentId, String mode, List<long[]> slots, boolean completesRestore) {
    List<Object> args = new ArrayList<>(List.of(windowMs, mode, UUID.randomUUID().toString(), instanceId, RESTORE_BARRIER_MS,
        epochs.getOrDefault(deploymentId, ""), liveReplicas, completesRestore ? "1" : "0"));
    for (long[] s : slots) {
      args.add(s[0]);
      args.add(s[1]);
      args.add(s[2]);
    }
    return eval(BudgetScript.MERGE,
        List.of(windowKey(deploymentId), epochKey(deploymentId), restoredKey(deploymentId), barrierKey(deploymentId)), args)
        .compose(r -> {
          String known = epochs.getOrDefault(deploymentId, "");
          if (r.get(4).toInteger() == 1) {
            // Redis lost the window since we last saw it: restore it first, then add our own grants on top.
            return restore(deploymentId, false).compose(v -> merge(deploymentId, mode, slots, completesRestore));
          }
          if (known.isEmpty() || "max".equals(mode)) {
            epochs.put(deploymentId, r.get(2).toString());
          }
          knowledge.observed(deploymentId, r.get(3).toLong(), r.get(0).toLong(), r.get(1).toLong());
          return Future.<Void>succeededFuture();
        });
  }

  /**
   * A reply that does not check the epoch (settle, headroom, observe) reports the window as Redis holds it. When Redis
   * lost the window since this replica saw it, that usage is not the window's: believing it would empty what this
   * replica knows and leave nothing to restore. Instead the restore starts now, even with no reserve in sight.
   */
  private void observedIfCurrent(String deploymentId, String epoch, long nowSec, long tokensUsed, long requestsUsed) {
    String known = epochs.getOrDefault(deploymentId, "");
    if (known.isEmpty() || known.equals(epoch)) {
      knowledge.observed(deploymentId, nowSec, tokensUsed, requestsUsed);
      return;
    }
    restore(deploymentId, true).onFailure(e -> LOG.debug("restoring the window of {} failed: {}", deploymentId, e.toString()));
  }

  @Override
  public Future<Void> settle(Reservation reservation, long actualTokens) {
    return settle(reservation, actualTokens, false);
  }

  /** The request was never sent (or its reservation was booked twice): give back its tokens and its request. */
  public Future<Void> release(Reservation reservation) {
    return settle(reservation, 0, true);
  }

  private Future<Void> settle(Reservation reservation, long actualTokens, boolean release) {
    String id = reservation.deploymentId();
    return eval(BudgetScript.SETTLE,
        List.of(windowKey(id), reservationKey(id, reservation.id()), waitingKey(id), epochKey(id)),
        List.of(Math.max(0, actualTokens), windowMs, release ? "1" : "0", channel, id, instanceId))
        .map(r -> {
          long freed = r.get(0).toLong();
          observedIfCurrent(id, r.get(6).toString(), r.get(3).toLong(), r.get(1).toLong(), r.get(2).toLong());
          if (freed > 0 && instanceId.equals(r.get(4).toString())) {
            fireFreed(id, r.get(5).toLong());
          }
          return null;
        });
  }

  @Override
  public Future<Void> pause(String deploymentId, long millis) {
    if (millis <= 0) {
      return Future.succeededFuture();
    }
    return eval(BudgetScript.PAUSE, List.of(pauseKey(deploymentId)), List.of(millis)).mapEmpty();
  }

  /** Negative {@code remaining*} means "not reported". */
  @Override
  public Future<Void> observeRemaining(String deploymentId, BudgetLimits limits, long remainingTokens, long remainingRequests) {
    if (remainingTokens < 0 && remainingRequests < 0) {
      return Future.succeededFuture();
    }
    return eval(BudgetScript.OBSERVE, List.of(windowKey(deploymentId), epochKey(deploymentId)),
        List.of(remainingTokens, remainingRequests, limits.tpm(), limits.rpm(), windowMs))
        .map(r -> {
          observedIfCurrent(deploymentId, r.get(3).toString(), r.get(2).toLong(), r.get(0).toLong(), r.get(1).toLong());
          return null;
        });
  }

  @Override
  public Future<Headroom> headroom(String deploymentId, BudgetLimits limits) {
    return eval(BudgetScript.HEADROOM, List.of(windowKey(deploymentId), pauseKey(deploymentId), epochKey(deploymentId)),
        List.of(windowMs))
        .map(r -> {
          observedIfCurrent(deploymentId, r.get(4).toString(), r.get(3).toLong(), r.get(0).toLong(), r.get(1).toLong());
          return new Headroom(r.get(0).toLong(), r.get(1).toLong(), limits.tpm(), limits.rpm(), r.get(2).toLong());
        });
  }

  /**
   * Announces this replica as alive; the answer is the number of live replicas. A drop is believed only once it has
   * lasted a presence TTL: replicas that died leave within it, while a Redis that restarted empty knows at first only
   * the replicas that have announced themselves again, and a share of 1/1 then would overshoot.
   */
  public Future<Long> heartbeat() {
    return eval(BudgetScript.HEARTBEAT, List.of(replicasKey()), List.of(instanceId, PRESENCE_TTL_MS)).map(r -> {
      long reported = Math.max(1, r.toLong());
      long now = System.currentTimeMillis();
      if (reported >= liveReplicas || now - liveReplicasSinceMs >= PRESENCE_TTL_MS) {
        liveReplicas = reported;
        liveReplicasSinceMs = now;
      }
      return liveReplicas;
    });
  }

  @Override
  public void waiting(String deploymentId, boolean waiting) {
    markWaiting(deploymentId, waiting)
        .onFailure(e -> LOG.debug("budget waiting flag for {} not recorded: {}", deploymentId, e.toString()));
  }

  /** Records (or clears) this replica in the deployment's waiting set; the answer is how many replicas wait there. */
  Future<Long> markWaiting(String deploymentId, boolean waiting) {
    return eval(BudgetScript.WAITING, List.of(waitingKey(deploymentId)),
        List.of(instanceId, WAITING_TTL_MS, waiting ? "1" : "0")).map(Response::toLong);
  }

  @Override
  public void onFreed(FreedListener listener) {
    freedListeners.add(listener);
  }

  @Override
  public JsonObject status() {
    return new JsonObject().put("mode", "redis")
        .put("redis", new JsonObject().put("type", config.type().name().toLowerCase()).put("url", redactedUrl)
            .put("subscribed", subscribed()).put("connections", link.openConnections()));
  }

  @Override
  public Future<Void> close() {
    closed = true;
    RedisConnection sub = subscriber;
    subscriber = null;
    Future<Void> leave = link.send(Request.cmd(Command.ZREM).arg(replicasKey()).arg(instanceId))
        .timeout(config.timeoutMs(), TimeUnit.MILLISECONDS).<Void>mapEmpty().otherwiseEmpty();
    return leave
        .compose(v -> sub == null ? Future.<Void>succeededFuture() : sub.close().otherwiseEmpty())
        .compose(v -> subscriberClient == null ? Future.<Void>succeededFuture() : subscriberClient.close().otherwiseEmpty())
        .compose(v -> link.close());
  }

  // --- scripts ---

  private Future<Response> eval(BudgetScript script, List<String> keys, List<Object> args) {
    return link.send(request(Command.EVALSHA, script.sha, keys, args)).recover(err -> {
      if (isNoScript(err)) {
        LOG.debug("Redis does not know the {} budget script (restart, failover or a new cluster node): sending it", script);
        return link.send(request(Command.EVAL, script.source, keys, args));
      }
      return Future.failedFuture(err);
    });
  }

  private static Request request(Command command, String script, List<String> keys, List<Object> args) {
    Request r = Request.cmd(command).arg(script).arg(keys.size());
    keys.forEach(r::arg);
    for (Object a : args) {
      if (a instanceof Long l) {
        r.arg(l.longValue());
      } else {
        r.arg(String.valueOf(a));
      }
    }
    return r;
  }

  private Future<Void> load(BudgetScript script) {
    return link.send(Request.cmd(Command.SCRIPT).arg("LOAD").arg(script.source)).map(r -> {
      if (!script.sha.equals(r.toString())) {
        throw new IllegalStateException("Redis hashed the " + script.name() + " script to " + r + ", expected " + script.sha);
      }
      return null;
    });
  }

  private static boolean isNoScript(Throwable err) {
    String m = err.getMessage();
    return m != null && m.startsWith("NOSCRIPT");
  }

  // --- freed channel ---

  /**
   * Pub/sub needs a connection of its own. In a cluster a PUBLISH reaches every node, so any one endpoint will do
   * (the next one after a failure).
   */
  private synchronized Redis subscriberClient() {
    if (subscriberClient == null) {
      RedisConfig sub = config;
      if (config.type() == RedisConfig.Type.CLUSTER) {
        URI node = config.endpoints().get(subscriberEndpoint % config.endpoints().size());
        sub = new RedisConfig(RedisConfig.Type.STANDALONE, List.of(node), null, config.timeoutMs(), config.connectTimeoutMs(),
            config.localShare(), config.failuresToDown(), config.onUnavailable());
      }
      subscriberClient = RedisLink.createClient(vertx, sub, 1);
    }
    return subscriberClient;
  }

  private synchronized Future<Void> subscribe() {
    if (subscriber != null || closed) {
      return Future.succeededFuture();
    }
    if (subscribing != null && !subscribing.isComplete()) {
      return subscribing;
    }
    subscribing = subscriberClient().connect().compose(conn -> {
      conn.handler(this::onPush);
      conn.exceptionHandler(e -> lost(conn));
      conn.endHandler(v -> lost(conn));
      return conn.send(Request.cmd(Command.SUBSCRIBE).arg(channel))
          .onSuccess(r -> {
            subscriber = conn;
            if (closed) {
              conn.close();
            }
          })
          .onFailure(e -> conn.close())
          .<Void>mapEmpty();
    }).onFailure(e -> rotateSubscriberEndpoint());
    return subscribing;
  }

  private synchronized void rotateSubscriberEndpoint() {
    if (config.type() == RedisConfig.Type.CLUSTER && subscriberClient != null) {
      subscriberClient.close();
      subscriberClient = null;
      subscriberEndpoint++;
    }
  }

  /** "{@code <replica> <deployment> <tokens>}": budget freed for this replica's waiters. */
  private void onPush(Response r) {
    if (r == null || r.size() < 3 || !"message".equals(r.get(0).toString())) {
      return;
    }
    String[] parts = r.get(2).toString().split(" ");
    if (parts.length != 3 || !parts[0].equals(instanceId)) {
      return;
    }
    try {
      fireFreed(parts[1], Long.parseLong(parts[2]));
    } catch (NumberFormatException ignored) {
      // not ours
    }
  }

  private void lost(RedisConnection conn) {
    if (subscriber == conn) {
      subscriber = null;
      conn.close();
    }
    rotateSubscriberEndpoint();
    scheduleResubscribe();
  }

  private void scheduleResubscribe() {
    if (closed || !resubscribeScheduled.compareAndSet(false, true)) {
      return;
    }
    vertx.setTimer(1000, t -> {
      resubscribeScheduled.set(false);
      if (closed || subscriber != null) {
        return;
      }
      subscribe().timeout(config.connectTimeoutMs(), TimeUnit.MILLISECONDS).onFailure(e -> {
        LOG.debug("budget freed channel: resubscribe to {} failed: {}", redactedUrl, e.toString());
        scheduleResubscribe();
      });
    });
  }

  private void fireFreed(String deploymentId, long tokens) {
    for (FreedListener l : freedListeners) {
      try {
        l.freed(deploymentId, tokens);
      } catch (RuntimeException e) {
        LOG.warn("budget freed listener failed for deployment {}", deploymentId, e);
      }
    }
  }
}
