package dev.modelmux.budget;

import dev.modelmux.config.RedisConfig;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Budgets shared by every replica through Redis. Each call is one round trip: an {@code EVALSHA} of a Lua script
 * (see {@code src/main/resources/budget/}) that uses Redis server time, so replicas' clocks do not matter. Scripts are
 * loaded once by {@link #start()} and reloaded (then retried once) when Redis answers {@code NOSCRIPT} after a restart.
 *
 * <p>Every call fails (never hangs) within {@code timeoutMs}; {@link FailoverBudgetStore} turns such failures into
 * answers from a local share. Tokens given back by {@link #settle} are published on {@code <prefix>freed}; a
 * dedicated subscriber connection relays other replicas' messages to {@link #onFreed} handlers (this replica's own
 * settles call them directly).
 */
public final class RedisBudgetStore implements BudgetStore {
  private static final Logger LOG = LoggerFactory.getLogger(RedisBudgetStore.class);
  public static final String DEFAULT_PREFIX = "mm:";
  /** The least time {@link #start()} waits for Redis. */
  public static final long START_TIMEOUT_MS = 2_000;

  private final Vertx vertx;
  private final String redactedUrl;
  private final long timeoutMs;
  private final long windowMs;
  private final String prefix;
  private final String channel;
  private final String instanceId = UUID.randomUUID().toString();
  private final Redis client;
  private final Redis subscriberClient;
  private final List<Handler<String>> freedHandlers = new CopyOnWriteArrayList<>();
  private final AtomicBoolean resubscribeScheduled = new AtomicBoolean();
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
    this.redactedUrl = RedisUrls.redact(config.url());
    this.timeoutMs = config.timeoutMs();
    this.windowMs = windowMs;
    this.prefix = keyPrefix;
    this.channel = keyPrefix + "freed";
    RedisOptions options = new RedisOptions()
        .setConnectionString(config.url().toString())
        .setMaxPoolSize(32)
        .setMaxPoolWaiting(4096)
        .setMaxWaitingHandlers(4096);
    options.getNetClientOptions().setConnectTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, timeoutMs)));
    this.client = Redis.createClient(vertx, options);
    this.subscriberClient = Redis.createClient(vertx, new RedisOptions(options).setMaxPoolSize(1).setMaxPoolWaiting(8));
  }

  /**
   * Loads every script and subscribes to the freed channel. Safe to call again (after Redis came back): the
   * scripts are reloaded and the subscription is re-established if it was lost. Opening the first connections
   * (TLS, HELLO, AUTH) can take longer than one call, so start is bounded by {@link #START_TIMEOUT_MS} or the call
   * timeout, whichever is larger; an unreachable Redis (connection refused) fails it at once.
   */
  public Future<Void> start() {
    List<Future<?>> loads = new ArrayList<>();
    for (BudgetScript script : BudgetScript.values()) {
      loads.add(load(script));
    }
    return Future.all(loads)
        .compose(v -> subscribe())
        .timeout(Math.max(START_TIMEOUT_MS, timeoutMs), TimeUnit.MILLISECONDS)
        .mapEmpty();
  }

  /** One PING, within the timeout. */
  public Future<Void> ping() {
    return client.send(Request.cmd(Command.PING)).timeout(timeoutMs, TimeUnit.MILLISECONDS).mapEmpty();
  }

  public long timeoutMs() {
    return timeoutMs;
  }

  public long windowMs() {
    return windowMs;
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

  @Override
  public Future<ReserveResult> reserve(String deploymentId, BudgetLimits limits, long tokens) {
    long take = Math.max(0, tokens);
    return eval(BudgetScript.RESERVE, List.of(windowKey(deploymentId), pauseKey(deploymentId)),
        List.of(take, limits.tpm(), limits.rpm(), windowMs))
        .map(r -> {
          int code = r.get(0).toInteger();
          long slot = r.get(1).toLong();
          long retryAfter = r.get(2).toLong();
          Headroom h = new Headroom(r.get(3).toLong(), r.get(4).toLong(), limits.tpm(), limits.rpm(), r.get(5).toLong());
          return switch (code) {
            case 0 -> new ReserveResult.Granted(new Reservation(deploymentId, take, slot, false), h);
            case 1 -> new ReserveResult.Denied(retryAfter, h, ReserveResult.Reason.TOKENS);
            case 2 -> new ReserveResult.Denied(retryAfter, h, ReserveResult.Reason.REQUESTS);
            case 3 -> new ReserveResult.Denied(retryAfter, h, ReserveResult.Reason.PAUSED);
            case 4 -> new ReserveResult.Denied(retryAfter, h, ReserveResult.Reason.TOO_LARGE);
            default -> throw new IllegalStateException("unexpected reserve reply " + r);
          };
        });
  }

  @Override
  public Future<Void> settle(Reservation reservation, long actualTokens) {
    long delta = Math.max(0, actualTokens) - reservation.tokens();
    if (delta == 0) {
      return Future.succeededFuture();
    }
    String id = reservation.deploymentId();
    return eval(BudgetScript.SETTLE, List.of(windowKey(id)),
        List.of(reservation.slot(), delta, windowMs, channel, instanceId + ":" + id))
        .map(r -> {
          if (r.toLong() > 0) {
            fireFreed(id);
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
    return eval(BudgetScript.OBSERVE, List.of(windowKey(deploymentId)),
        List.of(remainingTokens, remainingRequests, limits.tpm(), limits.rpm(), windowMs))
        .mapEmpty();
  }

  @Override
  public Future<Headroom> headroom(String deploymentId, BudgetLimits limits) {
    return eval(BudgetScript.HEADROOM, List.of(windowKey(deploymentId), pauseKey(deploymentId)), List.of(windowMs))
        .map(r -> new Headroom(r.get(0).toLong(), r.get(1).toLong(), limits.tpm(), limits.rpm(), r.get(2).toLong()));
  }

  @Override
  public void onFreed(Handler<String> handler) {
    freedHandlers.add(handler);
  }

  @Override
  public JsonObject status() {
    return new JsonObject().put("mode", "redis")
        .put("redis", new JsonObject().put("url", redactedUrl).put("subscribed", subscribed()));
  }

  @Override
  public Future<Void> close() {
    closed = true;
    RedisConnection sub = subscriber;
    subscriber = null;
    Future<Void> subClosed = sub == null ? Future.succeededFuture() : sub.close().otherwiseEmpty();
    return subClosed
        .compose(v -> subscriberClient.close().otherwiseEmpty())
        .compose(v -> client.close().otherwiseEmpty());
  }

  // --- scripts ---

  private Future<Response> eval(BudgetScript script, List<String> keys, List<Object> args) {
    Supplier<Request> request = () -> {
      Request r = Request.cmd(Command.EVALSHA).arg(script.sha).arg(keys.size());
      keys.forEach(r::arg);
      for (Object a : args) {
        if (a instanceof Long l) {
          r.arg(l.longValue());
        } else {
          r.arg(String.valueOf(a));
        }
      }
      return r;
    };
    return client.send(request.get())
        .recover(err -> {
          if (isNoScript(err)) {
            LOG.info("Redis lost the budget scripts (restart?): reloading {}", script.name().toLowerCase());
            return load(script).compose(v -> client.send(request.get()));
          }
          return Future.failedFuture(err);
        })
        .timeout(timeoutMs, TimeUnit.MILLISECONDS);
  }

  private Future<Void> load(BudgetScript script) {
    return client.send(Request.cmd(Command.SCRIPT).arg("LOAD").arg(script.source)).map(r -> {
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

  private synchronized Future<Void> subscribe() {
    if (subscriber != null || closed) {
      return Future.succeededFuture();
    }
    if (subscribing != null && !subscribing.isComplete()) {
      return subscribing;
    }
    subscribing = subscriberClient.connect().compose(conn -> {
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
          .mapEmpty();
    });
    return subscribing;
  }

  private void onPush(Response r) {
    if (r == null || r.size() < 3 || !"message".equals(r.get(0).toString())) {
      return;
    }
    String payload = r.get(2).toString();
    int colon = payload.indexOf(':');
    if (colon < 0 || payload.substring(0, colon).equals(instanceId)) {
      return; // ours: the handlers already ran when the settle returned
    }
    fireFreed(payload.substring(colon + 1));
  }

  private void lost(RedisConnection conn) {
    if (subscriber == conn) {
      subscriber = null;
      conn.close();
    }
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
      subscribe().timeout(timeoutMs, TimeUnit.MILLISECONDS).onFailure(e -> {
        LOG.debug("budget freed channel: resubscribe to {} failed: {}", redactedUrl, e.toString());
        scheduleResubscribe();
      });
    });
  }

  private void fireFreed(String deploymentId) {
    for (Handler<String> h : freedHandlers) {
      try {
        h.handle(deploymentId);
      } catch (RuntimeException e) {
        LOG.warn("budget freed handler failed for deployment {}", deploymentId, e);
      }
    }
  }
}
