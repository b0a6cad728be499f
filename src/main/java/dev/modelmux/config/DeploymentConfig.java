package dev.modelmux.config;

import java.net.URI;

/**
 * One provider account serving one model.
 *
 * @param apiVersion Azure's api-version or Anthropic's anthropic-version; null for the provider's default
 * @param defaultMaxTokens the output cap sent to providers that require one when the client set none
 * @param bodyLimits the most a non-streamed answer or an error body may hold
 * @param family the model family prompt variants are matched against: the config's {@code family}, else the model name
 * @param latency the latency assumed before any is measured, the warm start of its learned deadlines
 * @param prefill whether a broken stream is continued here by sending the text so far as an assistant prefill (else it
 *     is asked again and the repeated text dropped): the config's {@code prefill}, else whether the provider is Anthropic
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
    String family,
    LatencyPrior latency,
    boolean prefill) {

  /**
   * A deployment built field by field: {@code baseUrl}, {@code apiKey}, {@code tokens} and {@code limits} must be set;
   * the rest defaults to no api version, a price of 0, the default timeouts, body limits, pool and latency, the model's
   * name as family, and a prefill for continuations on Anthropic only.
   */
  public static Builder builder(String id, ProviderKind provider, String model) {
    return new Builder(id, provider, model);
  }

  /** The same deployment at another address (the emulator moved to a free port, say). */
  public DeploymentConfig withBaseUrl(URI other) {
    return new DeploymentConfig(id, provider, other, apiKeyEnv, apiKey, model, contextWindow, maxOutputTokens, defaultMaxTokens,
        apiVersion, limits, price, timeouts, bodyLimits, pool, family, latency, prefill);
  }

  /** See {@link #builder}. */
  public static final class Builder {
    private final String id;
    private final ProviderKind provider;
    private final String model;
    private URI baseUrl;
    private String apiKeyEnv;
    private Secret apiKey;
    private int contextWindow;
    private int maxOutputTokens;
    private int defaultMaxTokens;
    private String apiVersion;
    private Limits limits;
    private Price price = new Price(0, 0);
    private Timeouts timeouts = Timeouts.DEFAULT;
    private BodyLimits bodyLimits = BodyLimits.DEFAULT;
    private PoolConfig pool = PoolConfig.DEFAULT;
    private String family;
    private LatencyPrior latency = LatencyPrior.DEFAULT;
    private boolean prefill;

    private Builder(String id, ProviderKind provider, String model) {
      this.id = id;
      this.provider = provider;
      this.model = model;
      this.family = model;
      this.prefill = provider == ProviderKind.ANTHROPIC;
    }

    public Builder baseUrl(URI url) {
      this.baseUrl = url;
      return this;
    }

    /** @param env the variable the key was read from (null for an emulator account) */
    public Builder apiKey(String env, Secret key) {
      this.apiKeyEnv = env;
      this.apiKey = key;
      return this;
    }

    /** The context window, the most output a request may ask for, and the output cap sent when the client set none. */
    public Builder tokens(int contextWindow, int maxOutputTokens, int defaultMaxTokens) {
      this.contextWindow = contextWindow;
      this.maxOutputTokens = maxOutputTokens;
      this.defaultMaxTokens = defaultMaxTokens;
      return this;
    }

    public Builder apiVersion(String version) {
      this.apiVersion = version;
      return this;
    }

    public Builder limits(Limits l) {
      this.limits = l;
      return this;
    }

    public Builder price(Price p) {
      this.price = p;
      return this;
    }

    public Builder timeouts(Timeouts t) {
      this.timeouts = t;
      return this;
    }

    public Builder bodyLimits(BodyLimits b) {
      this.bodyLimits = b;
      return this;
    }

    public Builder pool(PoolConfig p) {
      this.pool = p;
      return this;
    }

    public Builder family(String f) {
      this.family = f;
      return this;
    }

    public Builder latency(LatencyPrior l) {
      this.latency = l;
      return this;
    }

    /** Whether a continuation here sends the text so far as an assistant prefill (default: on Anthropic). */
    public Builder prefill(boolean p) {
      this.prefill = p;
      return this;
    }

    public DeploymentConfig build() {
      return new DeploymentConfig(id, provider, baseUrl, apiKeyEnv, apiKey, model, contextWindow, maxOutputTokens,
          defaultMaxTokens, apiVersion, limits, price, timeouts, bodyLimits, pool, family, latency, prefill);
    }
  }
}
