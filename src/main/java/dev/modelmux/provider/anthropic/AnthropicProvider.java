package dev.modelmux.provider.anthropic;

import dev.modelmux.config.DeploymentConfig;
import dev.modelmux.core.GatewayError;
import dev.modelmux.provider.Provider;
import dev.modelmux.provider.RemainingLimits;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

/** Anthropic's Messages API: {base_url}/v1/messages with x-api-key and anthropic-version. */
public final class AnthropicProvider implements Provider {
  public static final String DEFAULT_VERSION = "2023-06-01";

  @Override
  public RequestOptions request(DeploymentConfig deployment, boolean stream) {
    return new RequestOptions()
        .setMethod(HttpMethod.POST)
        .setAbsoluteURI(Provider.join(deployment.baseUrl(), "/v1/messages"))
        .putHeader("x-api-key", deployment.apiKey().reveal())
        .putHeader("anthropic-version", deployment.apiVersion() == null ? DEFAULT_VERSION : deployment.apiVersion())
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.ACCEPT, stream ? "text/event-stream" : "application/json");
  }

  @Override
  public RemainingLimits remaining(MultiMap headers) {
    return RemainingLimits.from(headers, "anthropic-ratelimit-tokens-remaining", "anthropic-ratelimit-requests-remaining");
  }

  @Override
  public GatewayError error(DeploymentConfig deployment, int status, MultiMap headers, Buffer body) {
    return AnthropicErrors.fromResponse(deployment, status, headers, body);
  }
}
