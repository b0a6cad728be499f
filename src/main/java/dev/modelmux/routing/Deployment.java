package dev.modelmux.routing;

import dev.modelmux.budget.BudgetLimits;
import dev.modelmux.config.DeadlineLearning;
import dev.modelmux.config.DeploymentConfig;
import dev.modelmux.metrics.DeploymentMeters;
import dev.modelmux.provider.Provider;

/**
 * A configured deployment, the provider that knows how to call it, what routing has learnt about it, its meters, its
 * first-token and idle deadlines (following what was learnt), and whether it takes a prefill when it continues a broken
 * stream.
 */
public record Deployment(DeploymentConfig config, Provider provider, DeploymentState state, DeploymentMeters meters,
    LearnedDeadlines deadlines, PrefillSupport prefill) {
  public Deployment(DeploymentConfig config, Provider provider, DeploymentMeters meters) {
    this(config, provider, meters, DeadlineLearning.DEFAULT);
  }

  public Deployment(DeploymentConfig config, Provider provider, DeploymentMeters meters, DeadlineLearning learning) {
    this(config, provider, new DeploymentState(), meters, learning);
  }

  private Deployment(DeploymentConfig config, Provider provider, DeploymentState state, DeploymentMeters meters,
      DeadlineLearning learning) {
    this(config, provider, state, meters, new LearnedDeadlines(config.timeouts(), config.latency(), learning, state),
        new PrefillSupport(config.prefill()));
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
