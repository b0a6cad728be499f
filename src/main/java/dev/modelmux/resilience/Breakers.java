package dev.modelmux.resilience;

import dev.modelmux.budget.BudgetStore;
import dev.modelmux.config.ResilienceConfig;
import dev.modelmux.gateway.AttemptResult;
import dev.modelmux.gateway.ErrorKind;
import dev.modelmux.gateway.GatewayError;
import dev.modelmux.gateway.GatewayException;
import dev.modelmux.metrics.GatewayMetrics;
import dev.modelmux.routing.Deployment;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One circuit breaker per deployment (vertx-circuit-breaker, half-open probes), counting only failures that say
 * something about the provider: 5xx, overload, timeouts, connection errors, streams that die. A breaker that opens
 * also pauses its deployment in the budget store, so every replica skips it until the probe.
 */
public final class Breakers {
  private static final Logger LOG = LoggerFactory.getLogger(Breakers.class);

  private final Map<String, CircuitBreaker> byDeployment = new HashMap<>();

  public Breakers(Vertx vertx, List<Deployment> deployments, BudgetStore budgets, GatewayMetrics metrics, ResilienceConfig settings) {
    CircuitBreakerOptions options = new CircuitBreakerOptions()
        .setMaxFailures(settings.breakerFailures())
        .setResetTimeout(settings.breakerResetMs())
        .setTimeout(-1) // deadlines are the attempt's own (connect, first token, idle, total)
        .setFallbackOnFailure(false);
    for (Deployment deployment : deployments) {
      String id = deployment.id();
      CircuitBreaker breaker = CircuitBreaker.create("modelmux-" + id, vertx, options);
      breaker.<AttemptResult>failurePolicy(Breakers::providerFailure);
      breaker.openHandler(v -> {
        LOG.warn("breaker open for deployment {}: skipped by every replica for {} ms", id, settings.breakerResetMs());
        budgets.pause(id, settings.breakerResetMs());
        metrics.pause(id, "breaker_open");
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

  /** Runs an attempt under the deployment's breaker; fails with {@link #isOpenCircuit} when a half-open probe is already out. */
  public Future<AttemptResult> guard(String deploymentId, Supplier<Future<AttemptResult>> attempt) {
    // A stream that died after reaching the client is a provider failure too, but still the attempt's result:
    // it passes the breaker as a failure and comes back out as the result.
    return byDeployment.get(deploymentId).<AttemptResult>execute(() -> attempt.get().compose(result ->
            result.errorAfterCommit() != null && saysProviderIsUnwell(result.errorAfterCommit())
                ? Future.failedFuture(new BrokenStream(result)) : Future.succeededFuture(result)))
        .recover(failure -> failure instanceof BrokenStream broken ? Future.succeededFuture(broken.result) : Future.failedFuture(failure));
  }

  public static boolean isOpenCircuit(Throwable failure) {
    return failure instanceof io.vertx.circuitbreaker.OpenCircuitException;
  }

  static boolean providerFailure(Future<AttemptResult> outcome) {
    if (outcome.succeeded()) {
      return false;
    }
    Throwable cause = outcome.cause();
    return cause instanceof BrokenStream || (cause instanceof GatewayException e && saysProviderIsUnwell(e.error()));
  }

  /** Carries a mid-stream failure through the breaker, which only counts failed futures. */
  private static final class BrokenStream extends RuntimeException {
    private final AttemptResult result;

    BrokenStream(AttemptResult result) {
      super("stream broke after commit", null, false, false);
      this.result = result;
    }
  }

  /** The client's own mistakes (4xx, content filter, context length) and rate limits (paused separately) do not count. */
  public static boolean saysProviderIsUnwell(GatewayError error) {
    ErrorKind kind = error.kind();
    return kind == ErrorKind.UPSTREAM_ERROR || kind == ErrorKind.UPSTREAM_UNREACHABLE || kind == ErrorKind.TIMEOUT
        || kind == ErrorKind.OVERLOADED;
  }
}
