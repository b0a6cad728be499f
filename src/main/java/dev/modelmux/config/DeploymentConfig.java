package dev.modelmux.config;

import java.net.URI;

/**
 * One provider account serving one model.
 *
 * @param apiVersion Azure's api-version or Anthropic's anthropic-version; null for the provider's default
 * @param defaultMaxTokens the output cap sent to providers that require one when the client set none
 * @param bodyLimits the most a non-streamed answer or an error body may hold
 * @param family the model family prompt variants are matched against: the config's {@code family}, else the model name
 */
public record DeploymentConfig(
    String id,
    ProviderKind provider,
    URI baseUrl,
    String apiKeyEnv,
    Secret apiKey,
    String model,
    int contextWindow,
    int maxOutputTokens,
    int defaultMaxTokens,
    String apiVersion,
    Limits limits,
    Price price,
    Timeouts timeouts,
    BodyLimits bodyLimits,
    PoolConfig pool,
    String family) {

  /** A deployment whose family is its model name. */
  public DeploymentConfig(String id, ProviderKind provider, URI baseUrl, String apiKeyEnv, Secret apiKey, String model,
      int contextWindow, int maxOutputTokens, int defaultMaxTokens, String apiVersion, Limits limits, Price price,
      Timeouts timeouts, BodyLimits bodyLimits, PoolConfig pool) {
    this(id, provider, baseUrl, apiKeyEnv, apiKey, model, contextWindow, maxOutputTokens, defaultMaxTokens, apiVersion,
        limits, price, timeouts, bodyLimits, pool, model);
  }

  /** A deployment with the default body limits and upstream pool. */
  public DeploymentConfig(String id, ProviderKind provider, URI baseUrl, String apiKeyEnv, Secret apiKey, String model,
      int contextWindow, int maxOutputTokens, int defaultMaxTokens, String apiVersion, Limits limits, Price price,
      Timeouts timeouts) {
    this(id, provider, baseUrl, apiKeyEnv, apiKey, model, contextWindow, maxOutputTokens, defaultMaxTokens, apiVersion,
        limits, price, timeouts, BodyLimits.DEFAULT, PoolConfig.DEFAULT);
  }

  /** The same deployment at another address (the emulator moved to a free port, say). */
  public DeploymentConfig withBaseUrl(URI other) {
    return new DeploymentConfig(id, provider, other, apiKeyEnv, apiKey, model, contextWindow, maxOutputTokens, defaultMaxTokens,
        apiVersion, limits, price, timeouts, bodyLimits, pool, family);
  }
}
