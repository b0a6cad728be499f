package dev.modelmux.budget;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * TPM/RPM budgets per deployment over a sliding window, shared by every replica when backed by Redis.
 * Every call answers within the store's timeout; none ever fails the request it serves (a store that cannot
 * reach Redis answers from this replica's local share instead).
 */
public interface BudgetStore {
  /** Atomically checks and takes {@code tokens} of TPM and one request of RPM, or says when they will be free. */
  Future<ReserveResult> reserve(String deploymentId, BudgetLimits limits, long tokens);

  /** The request finished (or failed, or its client left): replace the reserved tokens by what it really used. */
  Future<Void> settle(Reservation reservation, long actualTokens);

  /** A provider 429 said to wait: no replica reserves on this deployment for {@code millis}. */
  Future<Void> pause(String deploymentId, long millis);

  /**
   * The provider reported how much is left in its own window (x-ratelimit-remaining-*): if that is less than
   * the store believes, take the difference out of the shared budget so every replica slows down. A negative
   * {@code remainingTokens} or {@code remainingRequests} means the provider did not report it.
   */
  Future<Void> observeRemaining(String deploymentId, BudgetLimits limits, long remainingTokens, long remainingRequests);

  Future<Headroom> headroom(String deploymentId, BudgetLimits limits);

  /**
   * Called when budget is given back and this replica has requests waiting for it (see {@link #waiting}): given back
   * here, or on another replica when Redis chose this one to wake. Never called for a deployment nobody waits on.
   */
  void onFreed(FreedListener listener);

  /**
   * This replica starts ({@code true}) or stops having requests that wait for budget on the deployment, so that freed
   * budget wakes only replicas with waiters, and only as many waiters as it can serve.
   */
  default void waiting(String deploymentId, boolean waiting) {}

  /** What the replicas sharing these budgets tell each other of their breakers; {@link DeploymentSignals#LOCAL} alone. */
  default DeploymentSignals signals() {
    return DeploymentSignals.LOCAL;
  }

  /** Opens what the calling event loop needs to answer its first request without delay (a Redis connection). */
  default Future<Void> warm() {
    return Future.succeededFuture();
  }

  /**
   * This replica's lease on a deployment and what every replica holds there (for /admin/deployments and metrics):
   * heldTokens, heldRequests, leasedTokens, leasedRequests, trickle; null for a store that does not lease.
   */
  default JsonObject lease(String deploymentId) {
    return null;
  }

  /** For /health/ready and /admin: the mode ("local", "redis", "local-fallback"), and Redis details. */
  JsonObject status();

  Future<Void> close();
}
