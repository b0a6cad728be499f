package dev.modelmux.breaker;

import dev.modelmux.config.ResilienceConfig;
import dev.modelmux.core.ErrorKind;
import dev.modelmux.core.GatewayError;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowSynchronizationStrategy;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One circuit breaker per deployment (resilience4j): {@code breaker_failures} provider failures in a row open it; it
 * waits a {@link ReprobeInterval} ({@code breaker_reset_ms}, doubled per failed probe up to {@code breaker_reset_max_ms},
 * jittered), then lets one probe through (half-open), and that probe's first content closes it. A call may also end
 * neutral (a lost hedge, a client that left, local saturation): it then says nothing about the provider and only frees
 * the probe's place (and the replicas' claim on it). A half-open breaker whose probe is not decided within
 * {@code MAX_HALF_OPEN} goes half-open again here only: nothing was learned, so nobody is paused or told. Whoever wires
 * it hears when a breaker opens (to pause the deployment for every replica for the interval drawn), and the other
 * replicas ({@link Replicas}) hear of each opening and close and hold the one probe's claim; notifications are plain
 * callbacks, never event-bus messages.
 */
public final class Breakers {
  private static final Logger LOG = LoggerFactory.getLogger(Breakers.class);

  /** Told when a deployment's breaker opens, and for how long it stays open. */
  public interface OpenListener {
    void opened(String deploymentId, long forMs);
  }

  /**
   * The other replicas of this gateway, when there are any: they hear this replica's openings and closes, and grant
   * the one probe of a half-open deployment to one replica at a time. {@link #NONE} for a gateway alone.
   */
  public interface Replicas {
    Replicas NONE = new Replicas() {
      @Override
      public Future<Boolean> claimProbe(String deploymentId) {
        return Future.succeededFuture(true);
      }

      @Override
      public void opened(String deploymentId, long forMs, int attempt) {}

      @Override
      public void closed(String deploymentId) {}

      @Override
      public void released(String deploymentId) {}
    };

    /** True when this replica may probe the deployment now (no other holds the claim, or they cannot be asked). */
    Future<Boolean> claimProbe(String deploymentId);

    /** This replica's breaker opened for {@code forMs}, its {@code attempt}th opening in a row; its probe claim ends. */
    void opened(String deploymentId, long forMs, int attempt);

    /** This replica's probe succeeded; its probe claim ends. */
    void closed(String deploymentId);

    /** This replica's probe was not sent after all, or said nothing about the provider: its probe claim ends now. */
    void released(String deploymentId);
  }

  public enum State { CLOSED, HALF_OPEN, OPEN }

  private static final Duration MAX_HALF_OPEN = Duration.ofMinutes(2);
  /** The most openings in a row another replica may say it counted (2^32 times the first interval is far past any cap). */
  static final int MAX_HEARD_ATTEMPT = 32;
  /** How much longer than {@code breaker_reset_max_ms} another replica may open a breaker here for: its jitter. */
  static final double MAX_HEARD_OPEN_FACTOR = 1 + ReprobeInterval.JITTER;
  /** Set while a transition another replica reported is applied, so it is not reported back. */
  private static final ThreadLocal<Boolean> HEARD = ThreadLocal.withInitial(() -> false);
  /** Set while a failed probe is recorded: the opening it causes is a real one (a half-open that timed out is not). */
  private static final ThreadLocal<Boolean> PROBE_FAILED = ThreadLocal.withInitial(() -> false);

  private final Map<String, CircuitBreaker> byDeployment = new HashMap<>();
  private final Map<String, ReprobeInterval> intervals = new HashMap<>();
  private final Replicas replicas;
  private final long maxHeardOpenMs;

  public Breakers(List<String> deploymentIds, ResilienceConfig settings, OpenListener onOpen) {
    this(deploymentIds, settings, onOpen, Replicas.NONE);
  }

  public Breakers(List<String> deploymentIds, ResilienceConfig settings, OpenListener onOpen, Replicas replicas) {
    this(deploymentIds, settings, onOpen, replicas, MAX_HALF_OPEN);
  }

  /** @param maxHalfOpen how long a half-open breaker waits for its probe before it starts waiting afresh */
  Breakers(List<String> deploymentIds, ResilienceConfig settings, OpenListener onOpen, Replicas replicas, Duration maxHalfOpen) {
    this.replicas = replicas;
    this.maxHeardOpenMs = (long) (settings.breakerResetMaxMs() * MAX_HEARD_OPEN_FACTOR);
    CircuitBreakerConfig common = CircuitBreakerConfig.custom()
        .slidingWindowType(SlidingWindowType.COUNT_BASED)
        // both event loops record outcomes: the lock-free window takes no lock per call (the default one locks on each)
        .slidingWindowSynchronizationStrategy(SlidingWindowSynchronizationStrategy.LOCK_FREE)
        .slidingWindowSize(settings.breakerFailures())
        .minimumNumberOfCalls(settings.breakerFailures())
        .failureRateThreshold(100) // every one of the last N calls failed: N failures in a row
        .slowCallRateThreshold(100)
        .slowCallDurationThreshold(Duration.ofDays(365)) // a long stream is not a slow call; deadlines are the attempt's
        .automaticTransitionFromOpenToHalfOpenEnabled(true)
        .permittedNumberOfCallsInHalfOpenState(1)
        .maxWaitDurationInHalfOpenState(maxHalfOpen) // a probe never resolved must not hold the breaker half-open forever
        .writableStackTraceEnabled(false)
        .build();
    for (String id : deploymentIds) {
      ReprobeInterval interval = new ReprobeInterval(settings.breakerResetMs(), settings.breakerResetMaxMs());
      CircuitBreaker breaker = CircuitBreaker.of("modelmux-" + id,
          CircuitBreakerConfig.from(common).waitIntervalFunctionInOpenState(interval).build());
      breaker.getEventPublisher().onStateTransition(event -> {
        boolean heard = HEARD.get();
        switch (event.getStateTransition().getToState()) {
          case OPEN -> {
            if (heard) {
              return;
            }
            if (event.getStateTransition().getFromState() == CircuitBreaker.State.HALF_OPEN && !PROBE_FAILED.get()) {
              // No probe failed: none was sent (no traffic here, or a missed close) or it never answered. Nothing was
              // learned, so nobody is paused or told and the back-off stays; this breaker waits for a probe afresh.
              LOG.info("breaker of deployment {} half-open for {} ms without a decided probe: half-open again", id,
                  maxHalfOpen.toMillis());
              heard(breaker::transitionToHalfOpenState);
              return;
            }
            interval.opened();
            LOG.warn("breaker open for deployment {}: skipped by every replica for {} ms (opening {} in a row)", id,
                interval.lastMs(), interval.lastAttempt());
            onOpen.opened(id, interval.lastMs());
            replicas.opened(id, interval.lastMs(), interval.lastAttempt());
          }
          case HALF_OPEN -> LOG.info("breaker half-open for deployment {}: the next request probes it", id);
          case CLOSED -> {
            interval.reset();
            if (!heard) {
              LOG.info("breaker closed for deployment {}", id);
              replicas.closed(id);
            }
          }
          default -> { }
        }
      });
      byDeployment.put(id, breaker);
      intervals.put(id, interval);
    }
  }

  /**
   * Another replica's breaker for the deployment opened for {@code forMs}, its {@code attempt}th opening in a row: this
   * one opens for as long (no replica sends live traffic to it when the shared pause ends), and its own next opening
   * follows on from that attempt.
   */
  public void heardOpened(String deploymentId, long forMs, int attempt) {
    CircuitBreaker breaker = byDeployment.get(deploymentId);
    if (breaker == null || forMs <= 0) {
      return;
    }
    // A stale or forged signal must not hold the breaker open longer than any opening here could, nor push the back-off far.
    long ms = Math.min(forMs, maxHeardOpenMs);
    intervals.get(deploymentId).heard(Math.min(Math.max(attempt, 0), MAX_HEARD_ATTEMPT));
    LOG.info("breaker open for deployment {} for {} ms: another replica's opened", deploymentId, ms);
    heard(() -> breaker.transitionToOpenStateFor(Duration.ofMillis(ms)));
  }

  /** Another replica's probe of the deployment succeeded: this breaker closes too. */
  public void heardClosed(String deploymentId) {
    CircuitBreaker breaker = byDeployment.get(deploymentId);
    if (breaker == null) {
      return;
    }
    intervals.get(deploymentId).reset();
    if (breaker.getState() != CircuitBreaker.State.CLOSED) {
      LOG.info("breaker closed for deployment {}: another replica's probe succeeded", deploymentId);
      heard(breaker::transitionToClosedState);
    }
  }

  private static void heard(Runnable transition) {
    HEARD.set(true);
    try {
      transition.run();
    } finally {
      HEARD.set(false);
    }
  }

  /**
   * Whether this replica may send the deployment's probe: always while it is not half-open; while it is, only with the
   * replicas' claim (so one replica probes at a time). Asked for a {@link Call#probe()} only: this process's one probe
   * is taken first, so no other request asks the replicas while it is out; a probe not sent ends {@link Call#neutral()}.
   */
  public Future<Boolean> claimProbe(String deploymentId) {
    return state(deploymentId) == State.HALF_OPEN ? replicas.claimProbe(deploymentId) : Future.succeededFuture(true);
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
    return breaker.tryAcquirePermission() ? new Call(deploymentId, breaker, replicas) : null;
  }

  /** One call's outcome, told once: the first of succeeded, failed and neutral counts; a stream broken later counts too. */
  public static final class Call {
    private final String deploymentId;
    private final CircuitBreaker breaker;
    private final Replicas replicas;
    private final long startNanos = System.nanoTime();
    private boolean resolved;
    private boolean succeeded;

    private final boolean probe;

    private Call(String deploymentId, CircuitBreaker breaker, Replicas replicas) {
      this.deploymentId = deploymentId;
      this.breaker = breaker;
      this.replicas = replicas;
      this.probe = breaker.getState() == CircuitBreaker.State.HALF_OPEN;
    }

    /** Whether this call is its half-open breaker's one probe (which must also hold the replicas' claim). */
    public boolean probe() {
      return probe;
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
          PROBE_FAILED.set(probe);
          try {
            breaker.onError(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS, new ProviderFailure(error));
          } finally {
            PROBE_FAILED.set(false);
          }
        }
      }
    }

    /**
     * The call says nothing about the provider, or was never made (the candidate was skipped after all): a half-open
     * breaker may send its next probe, from this replica or another.
     */
    public void neutral() {
      if (!resolved) {
        resolved = true;
        if (probe) {
          breaker.releasePermission();
          replicas.released(deploymentId);
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
