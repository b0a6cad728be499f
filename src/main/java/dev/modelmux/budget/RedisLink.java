package dev.modelmux.budget;

import dev.modelmux.config.RedisConfig;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.RedisRole;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The budget store's connections to Redis (standalone, Cluster or Sentinel, as vertx-redis-client's
 * {@link RedisOptions} name them), built for bursts: one long-lived, pipelined connection per event loop, opened
 * before traffic arrives ({@link #warm()}), so a command is written at once and never waits for a pooled connection;
 * in-flight commands are bounded only by {@code maxWaitingHandlers}. Opening a connection has its own deadline
 * ({@code connect_timeout_ms}); callers bound each command from its write ({@code timeout_ms}). A connection that
 * breaks is dropped and reopened by the next command on that event loop.
 */
final class RedisLink {
  /** In-flight commands one pipelined connection may hold. */
  static final int MAX_IN_FLIGHT = 16_384;

  private final RedisConfig config;
  private final Redis client;
  /** Keyed by event-loop thread, not by context: every context on one event loop shares its connection. */
  private final Map<Thread, Lane> lanes = new ConcurrentHashMap<>();
  /** For calls made off any event loop (tests, the start itself). */
  private final Lane shared = new Lane();
  private volatile boolean closed;

  RedisLink(Vertx vertx, RedisConfig config) {
    this.config = config;
    this.client = createClient(vertx, config, 64);
  }

  /** A client of the configured type; {@code poolSize} bounds the connections it may open. */
  static Redis createClient(Vertx vertx, RedisConfig config, int poolSize) {
    RedisOptions options = new RedisOptions()
        .setType(switch (config.type()) {
          case STANDALONE -> RedisClientType.STANDALONE;
          case CLUSTER -> RedisClientType.CLUSTER;
          case SENTINEL -> RedisClientType.SENTINEL;
        })
        .setMaxPoolSize(poolSize)
        .setMaxPoolWaiting(1024)
        .setMaxWaitingHandlers(MAX_IN_FLIGHT);
    for (URI endpoint : config.endpoints()) {
      options.addConnectionString(endpoint.toString());
    }
    if (config.type() == RedisConfig.Type.SENTINEL) {
      options.setMasterName(config.masterName()).setRole(RedisRole.MASTER).setAutoFailover(true);
    }
    options.getNetClientOptions()
        .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, config.connectTimeoutMs()))
        .setTcpNoDelay(true)
        .setTcpKeepAlive(true);
    return Redis.createClient(vertx, options);
  }

  /** Opens the connection of the calling event loop (or the shared one off any), within the connect timeout. */
  Future<Void> warm() {
    return lane().connection().mapEmpty();
  }

  /**
   * Sends on the calling event loop's connection, opening it first if needed (within the connect timeout). The future
   * is the command's own: it completes when Redis answers or the connection breaks, however long that takes; callers
   * put their deadline on it and may still learn the real outcome later.
   */
  Future<Response> send(Request request) {
    Lane lane = lane();
    RedisConnection c = lane.conn;
    if (c != null) {
      return c.send(request);
    }
    return lane.connection().compose(conn -> conn.send(request));
  }

  /** Whether every open lane's connection is up (for status). */
  int openConnections() {
    int open = shared.conn != null ? 1 : 0;
    for (Lane l : lanes.values()) {
      open += l.conn != null ? 1 : 0;
    }
    return open;
  }

  Future<Void> close() {
    closed = true;
    lanes.values().forEach(Lane::drop);
    shared.drop();
    return client.close().otherwiseEmpty();
  }

  private Lane lane() {
    if (!Context.isOnEventLoopThread()) {
      return shared;
    }
    return lanes.computeIfAbsent(Thread.currentThread(), k -> new Lane());
  }

  /** One event loop's pipelined connection. */
  private final class Lane {
    private volatile RedisConnection conn;
    private Future<RedisConnection> opening;

    synchronized Future<RedisConnection> connection() {
      if (conn != null) {
        return Future.succeededFuture(conn);
      }
      if (closed) {
        return Future.failedFuture(new IllegalStateException("the budget store is closed"));
      }
      if (opening != null && !opening.isComplete()) {
        return opening;
      }
      Promise<RedisConnection> opened = Promise.promise();
      opening = opened.future();
      Future<RedisConnection> connecting = client.connect();
      connecting.timeout(config.connectTimeoutMs(), TimeUnit.MILLISECONDS)
          .onComplete(ar -> {
            if (ar.failed()) {
              connecting.onSuccess(RedisConnection::close); // it may still arrive after the deadline
              opened.fail(ar.cause());
              return;
            }
            RedisConnection c = ar.result();
            c.exceptionHandler(e -> lost(c));
            c.endHandler(v -> lost(c));
            synchronized (this) {
              conn = c;
            }
            if (closed) {
              drop();
            }
            opened.complete(c);
          });
      return opening;
    }

    private synchronized void lost(RedisConnection c) {
      if (conn == c) {
        conn = null;
        c.close();
      }
    }

    synchronized void drop() {
      RedisConnection c = conn;
      conn = null;
      if (c != null) {
        c.close();
      }
    }
  }
}
