package dev.modelmux.provider.azure;

import dev.modelmux.config.DeploymentConfig;
import dev.modelmux.core.ErrorKind;
import dev.modelmux.core.GatewayError;
import dev.modelmux.provider.Provider;
import dev.modelmux.provider.openai.OpenAiProvider;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * Azure OpenAI: {base_url}/openai/deployments/{model}/chat/completions?api-version=..., key in "api-key".
 * Errors are OpenAI's with Azure's codes: "429" as a string, content_filter, DeploymentNotFound.
 */
public final class AzureProvider implements Provider {
  public static final String DEFAULT_API_VERSION = "2024-10-21";

  private final OpenAiProvider openAi = new OpenAiProvider();

  @Override
  public RequestOptions request(DeploymentConfig deployment, boolean stream) {
    String version = deployment.apiVersion() == null ? DEFAULT_API_VERSION : deployment.apiVersion();
    String path = "/openai/deployments/" + URLEncoder.encode(deployment.model(), StandardCharsets.UTF_8)
        + "/chat/completions?api-version=" + URLEncoder.encode(version, StandardCharsets.UTF_8);
    return new RequestOptions()
        .setMethod(HttpMethod.POST)
        .setAbsoluteURI(Provider.join(deployment.baseUrl(), path))
        .putHeader("api-key", deployment.apiKey().reveal())
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.ACCEPT, stream ? "text/event-stream" : "application/json");
  }

  @Override
  public GatewayError error(DeploymentConfig deployment, int status, MultiMap headers, Buffer body) {
    GatewayError error = openAi.error(deployment, status, headers, body);
    if (status == 429 && error.kind() == ErrorKind.RATE_LIMIT_REQUESTS && body.toString().contains("token rate limit")) {
      return new GatewayError(429, ErrorKind.RATE_LIMIT_TOKENS, error.message(), null, "rate_limit_exceeded", error.retryAfterMs());
    }
    if (status == 429 && "429".equals(error.code())) {
      return new GatewayError(429, error.kind(), error.message(), null, "rate_limit_exceeded", error.retryAfterMs());
    }
    if (status == 400 && error.kind() == ErrorKind.CONTENT_FILTER) {
      return new GatewayError(400, ErrorKind.CONTENT_FILTER, error.message(), "prompt", "content_filter", 0);
    }
    return error;
  }

  static boolean promptFiltered(JsonObject error) {
    return "content_filter".equals(error.getString("code"));
  }
}
