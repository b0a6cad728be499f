package dev.modelmux.resilience;

import dev.modelmux.config.ResilienceConfig;
import dev.modelmux.core.ErrorKind;
import dev.modelmux.core.GatewayError;
import dev.modelmux.core.GatewayException;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One circuit breaker per deployment (vertx-circuit-breaker, half-open probes), counting only failures that say
 * something about the provider: 5xx, overload, timeouts, connection errors, streams that die. Whoever wires it hears
 * when a breaker opens (to pause the deployment for every replica until the probe).
 */
public final class Breakers {
  private static final Logger LOG = LoggerFactory.getLogger(Breakers.class);

  /** Told when a deployment's breaker opens, and for how long it stays open. */
  public interface OpenListener {
    void opened(String deploymentId, long forMs);
  }

  private final Map<String, CircuitBreaker> byDeployment = new HashMap<>();

  public Breakers(Vertx vertx, List<String> deploymentIds, ResilienceConfig settings, OpenListener onOpen) {
    CircuitBreakerOptions options = new CircuitBreakerOptions()
        .setMaxFailures(settings.breakerFailures())
        .setResetTimeout(settings.breakerResetMs())
        .setTimeout(-1) // deadlines are the attempt's own (connect, first token, idle, total)
        .setFallbackOnFailure(false);
    for (String id : deploymentIds) {
      CircuitBreaker breaker = CircuitBreaker.create("modelmux-" + id, vertx, options);
      breaker.failurePolicy(Breakers::providerFailure);
      breaker.openHandler(v -> {
        LOG.warn("breaker open for deployment {}: skipped by every replica for {} ms", id, settings.breakerResetMs());
        onOpen.opened(id, settings.breakerResetMs());
      });
      breaker.halfOpenHandler(v -> LOG.info("breaker half-open for deployment {}: the next request probes it", id));
      breaker.closeHandler(v -> LOG.info("breaker closed for deployment {}", id));
      byDeployment.put(id, breaker);
    }
  }

  /** False while the deployment's breaker is open: do not even reserve budget on it. */
  public boolean allows(String deploymentId) {
    return state(deploymentId) != CircuitBreakerState.OPEN;
  }

  public CircuitBreakerState state(String deploymentId) {
    return byDeployment.get(deploymentId).state();
  }

  /**
   * Runs an attempt under the deployment's breaker; fails with {@link #isOpenCircuit} when a half-open probe is already
   * out. An answer that reached the client and then broke ({@code brokenAfterCommit} gives its error, or null) is a
   * provider failure too, but still the attempt's result: it passes the breaker as a failure and comes back out.
   */
  public <T> Future<T> guard(String deploymentId, Supplier<Future<T>> attempt, Function<T, GatewayError> brokenAfterCommit) {
    return byDeployment.get(deploymentId).<T>execute(() -> attempt.get().compose(result -> {
          GatewayError broken = brokenAfterCommit.apply(result);
          return broken != null && saysProviderIsUnwell(broken) ? Future.failedFuture(new BrokenStream(result)) : Future.succeededFuture(result);
        }))
        .recover(failure -> failure instanceof BrokenStream broken ? Future.succeededFuture(broken.<T>result()) : Future.failedFuture(failure));
  }

  public static boolean isOpenCircuit(Throwable failure) {
    return failure instanceof io.vertx.circuitbreaker.OpenCircuitException;
  }

  static boolean providerFailure(Future<?> outcome) {
    if (outcome.succeeded()) {
      return false;
    }
    Throwable cause = outcome.cause();
    return cause instanceof BrokenStream || (cause instanceof GatewayException e && saysProviderIsUnwell(e.error()));
  }

  /** Carries a mid-stream failure through the breaker, which only counts failed futures. */
  private static final class BrokenStream extends RuntimeException {
    private final Object result;

    BrokenStream(Object result) {
      super("stream broke after commit", null, false, false);
      this.result = result;
    }

    @SuppressWarnings("unchecked")
    <T> T result() {
      return (T) result;
    }
  }

  /** The client's own mistakes (4xx, content filter, context length) and rate limits (paused separately) do not count. */
  public static boolean saysProviderIsUnwell(GatewayError error) {
    ErrorKind kind = error.kind();
    return kind == ErrorKind.UPSTREAM_ERROR || kind == ErrorKind.UPSTREAM_UNREACHABLE || kind == ErrorKind.TIMEOUT
        || kind == ErrorKind.OVERLOADED;
  }
}
