package dev.modelmux.breaker;

import dev.modelmux.config.ResilienceConfig;
import dev.modelmux.core.ErrorKind;
import dev.modelmux.core.GatewayError;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowSynchronizationStrategy;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One circuit breaker per deployment (resilience4j): {@code breaker_failures} provider failures in a row open it,
 * after {@code breaker_reset_ms} it lets one probe through (half-open), and that probe's first content closes it. A
 * call may also end neutral (a lost hedge, a client that left, local saturation): it then says nothing about the
 * provider and only frees the probe's place. Whoever wires it hears when a breaker opens (to pause the deployment for
 * every replica until the probe); notifications are plain callbacks, never event-bus messages.
 */
public final class Breakers {
  private static final Logger LOG = LoggerFactory.getLogger(Breakers.class);

  /** Told when a deployment's breaker opens, and for how long it stays open. */
  public interface OpenListener {
    void opened(String deploymentId, long forMs);
  }

  public enum State { CLOSED, HALF_OPEN, OPEN }

  private static final Duration MAX_HALF_OPEN = Duration.ofMinutes(2);

  private final Map<String, CircuitBreaker> byDeployment = new HashMap<>();

  public Breakers(List<String> deploymentIds, ResilienceConfig settings, OpenListener onOpen) {
    CircuitBreakerConfig config = CircuitBreakerConfig.custom()
        .slidingWindowType(SlidingWindowType.COUNT_BASED)
        // both event loops record outcomes: the lock-free window takes no lock per call (the default one locks on each)
        .slidingWindowSynchronizationStrategy(SlidingWindowSynchronizationStrategy.LOCK_FREE)
        .slidingWindowSize(settings.breakerFailures())
        .minimumNumberOfCalls(settings.breakerFailures())
        .failureRateThreshold(100) // every one of the last N calls failed: N failures in a row
        .slowCallRateThreshold(100)
        .slowCallDurationThreshold(Duration.ofDays(365)) // a long stream is not a slow call; deadlines are the attempt's
        .waitDurationInOpenState(Duration.ofMillis(settings.breakerResetMs()))
        .automaticTransitionFromOpenToHalfOpenEnabled(true)
        .permittedNumberOfCallsInHalfOpenState(1)
        .maxWaitDurationInHalfOpenState(MAX_HALF_OPEN) // a probe never resolved must not hold the breaker half-open forever
        .writableStackTraceEnabled(false)
        .build();
    for (String id : deploymentIds) {
      CircuitBreaker breaker = CircuitBreaker.of("modelmux-" + id, config);
      breaker.getEventPublisher().onStateTransition(event -> {
        switch (event.getStateTransition().getToState()) {
          case OPEN -> {
            LOG.warn("breaker open for deployment {}: skipped by every replica for {} ms", id, settings.breakerResetMs());
            onOpen.opened(id, settings.breakerResetMs());
          }
          case HALF_OPEN -> LOG.info("breaker half-open for deployment {}: the next request probes it", id);
          case CLOSED -> LOG.info("breaker closed for deployment {}", id);
          default -> { }
        }
      });
      byDeployment.put(id, breaker);
    }
  }

  /** False while the deployment's breaker is open: do not even reserve budget on it. */
  public boolean allows(String deploymentId) {
    return state(deploymentId) != State.OPEN;
  }

  public State state(String deploymentId) {
    return switch (byDeployment.get(deploymentId).getState()) {
      case CLOSED, DISABLED, METRICS_ONLY -> State.CLOSED;
      case HALF_OPEN -> State.HALF_OPEN;
      case OPEN, FORCED_OPEN -> State.OPEN;
    };
  }

  /** Leave to call the deployment once, or null while it is open or its half-open probe is already out. */
  public Call call(String deploymentId) {
    CircuitBreaker breaker = byDeployment.get(deploymentId);
    return breaker.tryAcquirePermission() ? new Call(breaker) : null;
  }

  /** One call's outcome, told once: the first of succeeded, failed and neutral counts; a stream broken later counts too. */
  public static final class Call {
    private final CircuitBreaker breaker;
    private final long startNanos = System.nanoTime();
    private boolean resolved;
    private boolean succeeded;

    private final boolean probe;

    private Call(CircuitBreaker breaker) {
      this.breaker = breaker;
      this.probe = breaker.getState() == CircuitBreaker.State.HALF_OPEN;
    }

    /**
     * The answer's first content: a half-open probe is resolved by it (a long answer must not keep the breaker half-open);
     * a closed breaker hears how the call ended, so failures in a row stay in a row.
     */
    public void firstContent() {
      if (probe) {
        succeeded();
      }
    }

    /** The provider answered: a complete answer, or one that is the client's own fault. */
    public void succeeded() {
      if (!resolved) {
        resolved = true;
        succeeded = true;
        if (counts()) {
          breaker.onSuccess(0, TimeUnit.NANOSECONDS);
        }
      }
    }

    /** The provider failed (before any content, or a stream that died after it). */
    public void failed(GatewayError error) {
      if (!resolved || succeeded) {
        resolved = true;
        succeeded = false;
        if (counts()) {
          breaker.onError(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS, new ProviderFailure(error));
        }
      }
    }

    /** The call says nothing about the provider; a half-open breaker may send its next probe. */
    public void neutral() {
      if (!resolved) {
        resolved = true;
        if (probe) {
          breaker.releasePermission();
        }
      }
    }

    /** While half-open only the probe decides: a call that started before the breaker opened has no say. */
    private boolean counts() {
      return probe || breaker.getState() != CircuitBreaker.State.HALF_OPEN;
    }
  }

  /** What the breaker records for a failure; never thrown. */
  private static final class ProviderFailure extends RuntimeException {
    ProviderFailure(GatewayError error) {
      super(error.kind().name(), null, false, false);
    }
  }

  /**
   * The client's own mistakes (4xx, content filter, context length, a 404 its content may have caused) and rate limits
   * (paused separately) do not count: no request a client can write may make a deployment look unwell.
   */
  public static boolean saysProviderIsUnwell(GatewayError error) {
    ErrorKind kind = error.kind();
    return kind == ErrorKind.UPSTREAM_ERROR || kind == ErrorKind.UPSTREAM_UNREACHABLE || kind == ErrorKind.TIMEOUT
        || kind == ErrorKind.OVERLOADED;
  }
}
