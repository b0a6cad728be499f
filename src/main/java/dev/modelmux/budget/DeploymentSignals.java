package dev.modelmux.budget;

import io.vertx.core.Future;

/**
 * What the replicas tell each other about a deployment's health besides its budget: a breaker that opened (for how
 * long, the how-manyth time in a row) or closed, and which replica sends the one probe of a half-open deployment.
 * Shared through Redis when budgets are ({@link LeasedBudgetStore}); a gateway alone ({@link #LOCAL}) tells nobody and
 * is always granted the probe. Never fails and never waits on Redis longer than a budget call does: unsure, it grants.
 */
public interface DeploymentSignals {
  /** Hears the other replicas' breakers. */
  interface Listener {
    void opened(String deploymentId, long forMs, int attempt);

    void closed(String deploymentId);
  }

  DeploymentSignals LOCAL = new DeploymentSignals() {
    @Override
    public Future<Boolean> claimProbe(String deploymentId, long ttlMs) {
      return Future.succeededFuture(true);
    }

    @Override
    public void opened(String deploymentId, long forMs, int attempt) {}

    @Override
    public void closed(String deploymentId) {}

    @Override
    public void released(String deploymentId) {}

    @Override
    public void listen(Listener listener) {}
  };

  /** True when this replica may send the deployment's probe; the claim lasts {@code ttlMs} unless ended before. */
  Future<Boolean> claimProbe(String deploymentId, long ttlMs);

  /** This replica's breaker opened for {@code forMs} ({@code attempt} in a row); its probe claim ends with that interval. */
  void opened(String deploymentId, long forMs, int attempt);

  /** This replica's probe succeeded: its breaker closed; its probe claim ends. */
  void closed(String deploymentId);

  /** This replica's claimed probe was not sent, or ended saying nothing: its probe claim ends now, nobody is told. */
  void released(String deploymentId);

  /** Hears the other replicas' openings and closes (never this replica's own). */
  void listen(Listener listener);
}
