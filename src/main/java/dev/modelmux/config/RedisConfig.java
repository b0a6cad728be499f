package dev.modelmux.config;

import java.net.URI;
import java.util.List;
import java.util.OptionalDouble;

/**
 * Where the shared budgets live, and what a replica does while Redis cannot answer.
 *
 * @param type standalone (one server), cluster (Redis Cluster: {@code endpoints} are seed nodes) or sentinel
 *     ({@code endpoints} are sentinels, {@code masterName} the monitored master)
 * @param endpoints at least one; for standalone the first is the server
 * @param timeoutMs how long a call made for a report (readiness, /admin headroom, heartbeat, the return of leases on
 *     shutdown) may wait; lease calls themselves are never given up (see {@code unavailableAfterMs})
 * @param connectTimeoutMs how long opening a connection may take (separate from the command timeout)
 * @param localShare an explicit fraction of each deployment's limits this replica may use on its own while Redis is
 *     away; empty: 1/N of the live replicas, as they announce themselves in Redis
 * @param failuresToDown consecutive failed calls that, with {@code unavailableAfterMs} without an answer, declare
 *     Redis unavailable
 * @param onUnavailable serve on the local share, or refuse (503/529 with retry-after) rather than risk an account
 * @param leaseMs how long a lease lasts: a replica spends from it for a second less, then gives back what it did not
 *     spend
 * @param unavailableAfterMs how long Redis may leave every call unanswered (frozen, restarting, unreachable) before
 *     this replica stops waiting for it and answers from {@code onUnavailable}; until then it spends what it holds
 */
public record RedisConfig(Type type, List<URI> endpoints, String masterName, long timeoutMs, long connectTimeoutMs,
    OptionalDouble localShare, int failuresToDown, OnUnavailable onUnavailable, long leaseMs, long unavailableAfterMs) {

  public enum Type { STANDALONE, CLUSTER, SENTINEL }

  public enum OnUnavailable { LOCAL_SHARE, FAIL_CLOSED }

  public static final long DEFAULT_TIMEOUT_MS = 500;
  public static final long DEFAULT_CONNECT_TIMEOUT_MS = 2_000;
  public static final int DEFAULT_FAILURES_TO_DOWN = 3;
  public static final long DEFAULT_LEASE_MS = 5_000;
  public static final long DEFAULT_UNAVAILABLE_AFTER_MS = 10_000;

  public RedisConfig {
    endpoints = List.copyOf(endpoints);
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("at least one Redis endpoint");
    }
  }

  public RedisConfig(Type type, List<URI> endpoints, String masterName, long timeoutMs, long connectTimeoutMs,
      OptionalDouble localShare, int failuresToDown, OnUnavailable onUnavailable) {
    this(type, endpoints, masterName, timeoutMs, connectTimeoutMs, localShare, failuresToDown, onUnavailable, DEFAULT_LEASE_MS,
        DEFAULT_UNAVAILABLE_AFTER_MS);
  }

  /** A standalone server with the defaults (tests and the shorthand {@code redis: { url: ... }}). */
  public static RedisConfig standalone(URI url, long timeoutMs) {
    return new RedisConfig(Type.STANDALONE, List.of(url), null, timeoutMs, DEFAULT_CONNECT_TIMEOUT_MS,
        OptionalDouble.empty(), DEFAULT_FAILURES_TO_DOWN, OnUnavailable.LOCAL_SHARE);
  }

  /** The first endpoint (the standalone server; a seed node or sentinel otherwise). */
  public URI url() {
    return endpoints.get(0);
  }

  public RedisConfig withLocalShare(double share) {
    return new RedisConfig(type, endpoints, masterName, timeoutMs, connectTimeoutMs, OptionalDouble.of(share), failuresToDown,
        onUnavailable, leaseMs, unavailableAfterMs);
  }

  public RedisConfig withOnUnavailable(OnUnavailable mode) {
    return new RedisConfig(type, endpoints, masterName, timeoutMs, connectTimeoutMs, localShare, failuresToDown, mode, leaseMs,
        unavailableAfterMs);
  }

  public RedisConfig withLeases(long leaseMs, long unavailableAfterMs) {
    return new RedisConfig(type, endpoints, masterName, timeoutMs, connectTimeoutMs, localShare, failuresToDown, onUnavailable,
        leaseMs, unavailableAfterMs);
  }
}
