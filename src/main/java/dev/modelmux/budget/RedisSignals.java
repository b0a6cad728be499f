package dev.modelmux.budget;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link DeploymentSignals} through Redis: the probe's claim is a key per deployment ({@code probe_claim.lua}, with an
 * expiry so a replica that dies holding it does not hold it long), openings and closes are published on
 * {@code <prefix>breaker} as {@code <replica> open|close <ms> <attempt> <deployment>}. While Redis is unavailable, or a
 * claim gets no answer within the budget's {@code timeout_ms}, each replica decides alone (the claim is granted).
 */
final class RedisSignals implements DeploymentSignals {
  private static final Logger LOG = LoggerFactory.getLogger(RedisSignals.class);

  private final Vertx vertx;
  private final RedisWindow redis;
  private final long timeoutMs;
  private final BooleanSupplier available;

  RedisSignals(Vertx vertx, RedisWindow redis, long timeoutMs, BooleanSupplier available) {
    this.vertx = vertx;
    this.redis = redis;
    this.timeoutMs = timeoutMs;
    this.available = available;
  }

  @Override
  public Future<Boolean> claimProbe(String deploymentId, long ttlMs) {
    if (!available.getAsBoolean()) {
      return Future.succeededFuture(true);
    }
    Context caller = vertx.getOrCreateContext();
    Promise<Boolean> mine = Promise.promise();
    redis.claimProbe(deploymentId, ttlMs).timeout(timeoutMs, TimeUnit.MILLISECONDS).onComplete(ar -> {
      if (ar.failed()) {
        LOG.debug("probe claim of {} unanswered, probing from this replica: {}", deploymentId, ar.cause().toString());
      }
      boolean granted = ar.failed() || ar.result();
      caller.runOnContext(v -> mine.complete(granted));
    });
    return mine.future();
  }

  /** The claim is kept until the breakers go half-open again, so a replica that has not heard yet cannot probe before. */
  @Override
  public void opened(String deploymentId, long forMs, int attempt) {
    tell(deploymentId, "open " + forMs + " " + attempt, forMs);
  }

  @Override
  public void closed(String deploymentId) {
    tell(deploymentId, "close 0 0", 0);
  }

  @Override
  public void released(String deploymentId) {
    if (available.getAsBoolean()) {
      redis.releaseProbe(deploymentId, 0)
          .onFailure(e -> LOG.debug("probe claim of {} not ended: {}", deploymentId, e.toString()));
    }
  }

  private void tell(String deploymentId, String what, long claimKeptMs) {
    if (!available.getAsBoolean()) {
      return;
    }
    redis.signal(redis.instanceId() + " " + what + " " + deploymentId)
        .onFailure(e -> LOG.debug("breaker of {} not shared: {}", deploymentId, e.toString()));
    redis.releaseProbe(deploymentId, claimKeptMs)
        .onFailure(e -> LOG.debug("probe claim of {} not ended: {}", deploymentId, e.toString()));
  }

  @Override
  public void listen(Listener listener) {
    redis.onSignal(message -> heard(message, listener));
  }

  private void heard(String message, Listener listener) {
    String[] parts = message.split(" ", 5);
    if (parts.length != 5 || parts[0].equals(redis.instanceId())) {
      return;
    }
    try {
      long ms = Long.parseLong(parts[2]);
      int attempt = Integer.parseInt(parts[3]);
      switch (parts[1]) {
        case "open" -> listener.opened(parts[4], ms, attempt);
        case "close" -> listener.closed(parts[4]);
        default -> { }
      }
    } catch (NumberFormatException notOurs) {
      LOG.debug("breaker signal not understood: {}", message);
    }
  }
}
