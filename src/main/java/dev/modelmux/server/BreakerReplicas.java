package dev.modelmux.server;

import dev.modelmux.breaker.Breakers;
import dev.modelmux.budget.DeploymentSignals;
import dev.modelmux.config.ResilienceConfig;
import dev.modelmux.config.Timeouts;
import dev.modelmux.routing.Deployment;
import dev.modelmux.routing.RouteTable;
import io.vertx.core.Future;

/**
 * The breakers' other replicas, as the budget store reaches them ({@link DeploymentSignals}): through Redis when budgets
 * are shared, nobody otherwise. A probe's claim lasts as long as the probe may take to answer (its connect and
 * first-token deadlines, plus a second), at most {@link #MAX_CLAIM_MS}: a replica that dies holding it holds it no longer.
 */
final class BreakerReplicas implements Breakers.Replicas {
  static final long MAX_CLAIM_MS = 120_000;

  private final DeploymentSignals signals;
  private final RouteTable routes;

  private BreakerReplicas(DeploymentSignals signals, RouteTable routes) {
    this.signals = signals;
    this.routes = routes;
  }

  /** The breakers, told of the other replicas' openings and closes. */
  static Breakers breakers(RouteTable routes, DeploymentSignals signals, Breakers.OpenListener onOpen,
      ResilienceConfig settings) {
    Breakers breakers = new Breakers(routes.deployments().stream().map(Deployment::id).toList(), settings, onOpen,
        new BreakerReplicas(signals, routes));
    signals.listen(new DeploymentSignals.Listener() {
      @Override
      public void opened(String deploymentId, long forMs, int attempt) {
        breakers.heardOpened(deploymentId, forMs, attempt);
      }

      @Override
      public void closed(String deploymentId) {
        breakers.heardClosed(deploymentId);
      }
    });
    return breakers;
  }

  @Override
  public Future<Boolean> claimProbe(String deploymentId) {
    // The longest its first token may take: a probe with nowhere else to go (or not streamed) waits the cap.
    Timeouts t = routes.deployment(deploymentId).deadlines().forAttempt(false, true);
    return signals.claimProbe(deploymentId, Math.min(MAX_CLAIM_MS, t.connectMs() + t.firstTokenMs() + 1_000));
  }

  @Override
  public void opened(String deploymentId, long forMs, int attempt) {
    signals.opened(deploymentId, forMs, attempt);
  }

  @Override
  public void closed(String deploymentId) {
    signals.closed(deploymentId);
  }

  @Override
  public void released(String deploymentId) {
    signals.released(deploymentId);
  }
}
