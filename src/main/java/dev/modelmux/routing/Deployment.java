package dev.modelmux.routing;

import dev.modelmux.budget.BudgetLimits;
import dev.modelmux.config.DeploymentConfig;
import dev.modelmux.metrics.DeploymentMeters;
import dev.modelmux.provider.Provider;

/** A configured deployment, the provider that knows how to call it, what routing has learnt about it, and its meters. */
public record Deployment(DeploymentConfig config, Provider provider, DeploymentState state, DeploymentMeters meters) {
  public Deployment(DeploymentConfig config, Provider provider, DeploymentMeters meters) {
    this(config, provider, new DeploymentState(), meters);
  }

  public String id() {
    return config.id();
  }

  public BudgetLimits limits() {
    return new BudgetLimits(config.limits().tpm(), config.limits().rpm());
  }

  /** Blended US dollars for a request of this size. */
  public double cost(long promptTokens, long outputTokens) {
    return (config.price().inputPerMtok() * promptTokens + config.price().outputPerMtok() * outputTokens) / 1_000_000;
  }
}
