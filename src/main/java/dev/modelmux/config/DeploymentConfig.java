package dev.modelmux.config;

import java.net.URI;

/** One provider account serving one model. */
public record DeploymentConfig(
    String id,
    ProviderKind provider,
    URI baseUrl,
    String apiKeyEnv,
    Secret apiKey,
    String model,
    int contextWindow,
    int maxOutputTokens,
    Limits limits,
    Price price,
    Timeouts timeouts) {}
