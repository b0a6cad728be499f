package dev.modelmux.budget;

import dev.modelmux.config.RedisConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared windows in Redis (standalone, Cluster or Sentinel), as the {@link LeasedBudgetStore} sees them: one
 * {@code EVALSHA} per call on a pipelined connection ({@link RedisLink}) of a Lua script (see
 * {@code src/main/resources/budget/}) that uses Redis server time, so replicas' clocks do not matter, and touches the
 * keys of one deployment only (one hash tag: one cluster slot). A script Redis does not know ({@code NOSCRIPT}: a
 * restart, a failover, a cluster node that never saw it) is sent once as {@code EVAL}, which also caches it there.
 *
 * <p>The futures returned here are the commands' own, with no deadline. Freed budget is announced only to a replica
 * that has waiters (the lease script picks one from the deployment's waiting set), on {@code <prefix>freed}, or
 * returned directly when it is this replica.
 */
public final class RedisWindow {
  private static final Logger LOG = LoggerFactory.getLogger(RedisWindow.class);
  public static final String DEFAULT_PREFIX = "mm:";
  /** The least time {@link #start()} waits for Redis. */
  public static final long START_TIMEOUT_MS = 2_000;
  /** How long a replica's announcement of itself (and of its waiters) lives without a refresh. */
  public static final long PRESENCE_TTL_MS = 3_000;
  /** A waiting flag outlives the longest wait a route may set; a replica that dies with waiters leaves it to expire. */
  private static final long WAITING_TTL_MS = 120_000;

  private final Vertx vertx;
  private final RedisConfig config;
  private final String redactedUrl;
  private final long windowMs;
  private final String prefix;
  private final String channel;
  private final String instanceId = UUID.randomUUID().toString();
  private final RedisLink link;
  private final FreedListeners freedListeners = new FreedListeners();
  private final FreedChannel freed;
  private final String signalChannel;
  private final List<Consumer<String>> signalListeners = new CopyOnWriteArrayList<>();
  private final AtomicLong leaseCalls = new AtomicLong();
  private volatile long liveReplicas = 1;
  /** When {@link #liveReplicas} was last confirmed (a count at least as high was reported). */
  private volatile long liveReplicasSinceMs;

  public RedisWindow(Vertx vertx, RedisConfig config, long windowMs) {
    this(vertx, config, windowMs, DEFAULT_PREFIX);
  }

  /**
   * Builds the clients; nothing is sent before {@link #start()}.
   *
   * @param windowMs the sliding window (60 000 in production), rounded up to whole seconds by the scripts
   * @param keyPrefix prepended to every key and to the freed channel
   */
  public RedisWindow(Vertx vertx, RedisConfig config, long windowMs, String keyPrefix) {
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
    this.signalChannel = keyPrefix + "breaker";
    this.freed = new FreedChannel(vertx, config, channel, instanceId, freedListeners, signalChannel,
        message -> signalListeners.forEach(l -> l.accept(message)));
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
        .compose(v -> freed.subscribe())
        .timeout(Math.max(START_TIMEOUT_MS, config.connectTimeoutMs()), TimeUnit.MILLISECONDS)
        .mapEmpty();
  }

  /** Opens the calling event loop's pipelined connection. */
  public Future<Void> warm() {
    return link.warm();
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

  /** Lease script calls sent by this replica (each a round trip). */
  public long leaseCalls() {
    return leaseCalls.get();
  }

  public String instanceId() {
    return instanceId;
  }

  /** Whether the freed-channel subscription is currently established. */
  public boolean subscribed() {
    return freed.subscribed();
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

  private String leasesKey(String deploymentId) {
    return prefix + "{" + deploymentId + "}:leases";
  }

  private String demandKey(String deploymentId) {
    return prefix + "{" + deploymentId + "}:demand";
  }

  String barrierKey(String deploymentId) {
    return prefix + "{" + deploymentId + "}:barrier";
  }

  private String restoredKey(String deploymentId) {
    return prefix + "{" + deploymentId + "}:restored";
  }

  private String waitingKey(String deploymentId) {
    return prefix + "{" + deploymentId + "}:waiting";
  }

  String probeKey(String deploymentId) {
    return prefix + "{" + deploymentId + "}:probe";
  }

  private String replicasKey() {
    return prefix + "{replicas}";
  }

  /**
   * One call of the lease script for a deployment (see {@code lease.lua}).
   *
   * @param replicas live replicas as this one knows them (how many must restore a lost window)
   */
  public Future<LeaseReply> lease(String deploymentId, BudgetLimits limits, LeaseCall call, long leaseSeconds, long replicas,
      long barrierMs) {
    leaseCalls.incrementAndGet();
    List<Object> args = new ArrayList<>(List.of(windowMs, call.epoch(), UUID.randomUUID().toString(), replicas, barrierMs,
        instanceId, channel, deploymentId, limits.tpm(), limits.rpm(), leaseSeconds, call.demandTokens(), call.demandRequests(),
        call.restoring() ? "1" : "0"));
    for (LeaseCall.Op op : call.ops()) {
      args.addAll(List.of(op.kind(), op.id(), op.tokens(), op.requests(), op.a(), op.b()));
    }
    return eval(BudgetScript.LEASE, List.of(windowKey(deploymentId), pauseKey(deploymentId), epochKey(deploymentId),
        leasesKey(deploymentId), barrierKey(deploymentId), restoredKey(deploymentId), demandKey(deploymentId),
        waitingKey(deploymentId)), args)
        .map(r -> {
          LeaseReply reply = new LeaseReply(r.get(0).toInteger(), r.get(1).toLong(), r.get(2).toLong(), r.get(3).toLong(),
              r.get(4).toLong(), r.get(5).toLong(), r.get(6).toLong(), r.get(7).toLong(), r.get(8).toString(), r.get(9).toLong(),
              r.get(10).toLong(), r.get(11).toLong(), r.get(12).toInteger() == 1);
          if (instanceId.equals(r.get(13).toString())) {
            freedListeners.freed(deploymentId, Math.max(0, limits.tpm() - reply.tokensUsed()));
          }
          return reply;
        });
  }

  public Future<Void> pause(String deploymentId, long millis) {
    if (millis <= 0) {
      return Future.succeededFuture();
    }
    return eval(BudgetScript.PAUSE, List.of(pauseKey(deploymentId)), List.of(millis)).mapEmpty();
  }

  /** Negative {@code remaining*} means "not reported". */
  public Future<Void> observeRemaining(String deploymentId, BudgetLimits limits, long remainingTokens, long remainingRequests) {
    if (remainingTokens < 0 && remainingRequests < 0) {
      return Future.succeededFuture();
    }
    return eval(BudgetScript.OBSERVE, List.of(windowKey(deploymentId), epochKey(deploymentId)),
        List.of(remainingTokens, remainingRequests, limits.tpm(), limits.rpm(), windowMs))
        .mapEmpty();
  }

  public Future<Headroom> headroom(String deploymentId, BudgetLimits limits) {
    return eval(BudgetScript.HEADROOM, List.of(windowKey(deploymentId), pauseKey(deploymentId), epochKey(deploymentId)),
        List.of(windowMs))
        .map(r -> new Headroom(r.get(0).toLong(), r.get(1).toLong(), limits.tpm(), limits.rpm(), r.get(2).toLong()));
  }

  /**
   * How many replicas are alive, and the epoch of Redis' data: it changes when Redis lost everything (restarted
   * empty), which tells every replica to restore the leases it holds even on deployments it is not calling now.
   */
  public record Presence(long replicas, String epoch) {}

  /**
   * Announces this replica as alive; the answer is the number of live replicas. A drop is believed only once it has
   * lasted a presence TTL: replicas that died leave within it, while a Redis that restarted empty knows at first only
   * the replicas that have announced themselves again, and a share of 1/1 then would overshoot.
   */
  public Future<Presence> heartbeat() {
    return eval(BudgetScript.HEARTBEAT, List.of(replicasKey(), replicasKey() + ":epoch"),
        List.of(instanceId, PRESENCE_TTL_MS, UUID.randomUUID().toString())).map(r -> {
      long reported = Math.max(1, r.get(0).toLong());
      long now = System.currentTimeMillis();
      if (reported >= liveReplicas || now - liveReplicasSinceMs >= PRESENCE_TTL_MS) {
        liveReplicas = reported;
        liveReplicasSinceMs = now;
      }
      return new Presence(liveReplicas, r.get(1).toString());
    });
  }

  public void waiting(String deploymentId, boolean waiting) {
    markWaiting(deploymentId, waiting)
        .onFailure(e -> LOG.debug("budget waiting flag for {} not recorded: {}", deploymentId, e.toString()));
  }

  /** Records (or clears) this replica in the deployment's waiting set; the answer is how many replicas wait there. */
  Future<Long> markWaiting(String deploymentId, boolean waiting) {
    return eval(BudgetScript.WAITING, List.of(waitingKey(deploymentId)),
        List.of(instanceId, WAITING_TTL_MS, waiting ? "1" : "0")).map(Response::toLong);
  }

  /** Claims the probe of a half-open deployment for this replica for {@code ttlMs}: true when it holds the claim. */
  public Future<Boolean> claimProbe(String deploymentId, long ttlMs) {
    return eval(BudgetScript.PROBE_CLAIM, List.of(probeKey(deploymentId)), List.of(instanceId, ttlMs)).map(r -> r.toInteger() == 1);
  }

  /** Ends this replica's claim on the deployment's probe, if it holds it: in {@code afterMs}, or now when 0. */
  public Future<Void> releaseProbe(String deploymentId, long afterMs) {
    return eval(BudgetScript.PROBE_RELEASE, List.of(probeKey(deploymentId)), List.of(instanceId, afterMs)).mapEmpty();
  }

  /** Publishes a breaker signal to every replica (this one hears it too) on {@code <prefix>breaker}. */
  public Future<Void> signal(String message) {
    return link.send(Request.cmd(Command.PUBLISH).arg(signalChannel).arg(message)).mapEmpty();
  }

  /** Hears every breaker signal published while the subscription holds. */
  public void onSignal(Consumer<String> listener) {
    signalListeners.add(listener);
  }

  public void onFreed(FreedListener listener) {
    freedListeners.add(listener);
  }

  public JsonObject status() {
    return new JsonObject().put("type", config.type().name().toLowerCase()).put("url", redactedUrl)
        .put("subscribed", subscribed()).put("connections", link.openConnections());
  }

  public Future<Void> close() {
    Future<Void> unsubscribed = freed.close();
    Future<Void> leave = link.send(Request.cmd(Command.ZREM).arg(replicasKey()).arg(instanceId))
        .timeout(config.timeoutMs(), TimeUnit.MILLISECONDS).<Void>mapEmpty().otherwiseEmpty();
    return leave.compose(v -> unsubscribed).compose(v -> link.close());
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
}
