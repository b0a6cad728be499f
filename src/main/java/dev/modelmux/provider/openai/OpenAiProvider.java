package dev.modelmux.provider.openai;

import dev.modelmux.config.DeploymentConfig;
import dev.modelmux.core.ErrorKind;
import dev.modelmux.core.GatewayError;
import dev.modelmux.provider.Provider;
import dev.modelmux.provider.RetryAfter;
import dev.modelmux.provider.UpstreamErrorBody;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.time.Instant;

/** api.openai.com and anything that speaks its Chat Completions API: {base_url}/chat/completions with a Bearer key. */
public final class OpenAiProvider implements Provider {

  @Override
  public RequestOptions request(DeploymentConfig deployment, boolean stream) {
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.POST)
        .setAbsoluteURI(Provider.join(deployment.baseUrl(), "/chat/completions"))
        .putHeader(HttpHeaders.AUTHORIZATION, "Bearer " + deployment.apiKey().reveal())
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.ACCEPT, stream ? "text/event-stream" : "application/json");
    return options;
  }

  @Override
  public GatewayError error(DeploymentConfig deployment, int status, MultiMap headers, Buffer body) {
    UpstreamErrorBody read = UpstreamErrorBody.read(deployment, status, body);
    String code = read.code();
    String type = read.field("type");
    String param = read.param(deployment);
    String message = read.message();
    long retryAfterMs = RetryAfter.millis(headers, Instant.now());
    if (status == 400) {
      ErrorKind kind = "context_length_exceeded".equals(code) ? ErrorKind.CONTEXT_LENGTH_EXCEEDED
          : "content_filter".equals(code) ? ErrorKind.CONTENT_FILTER : ErrorKind.INVALID_REQUEST;
      return new GatewayError(400, kind, message, param, code, 0);
    }
    if (status == 401 || status == 403 || status == 404) {
      return UpstreamErrorBody.refused(deployment, status);
    }
    if (status == 429) {
      ErrorKind kind = "insufficient_quota".equals(code) || "insufficient_quota".equals(type) ? ErrorKind.QUOTA_EXCEEDED
          : "tokens".equals(type) ? ErrorKind.RATE_LIMIT_TOKENS : ErrorKind.RATE_LIMIT_REQUESTS;
      return new GatewayError(429, kind, message, null, code, retryAfterMs);
    }
    if (status == 408 || status == 504) {
      return new GatewayError(504, ErrorKind.TIMEOUT, message, null, null, retryAfterMs);
    }
    if (status == 413) {
      return new GatewayError(413, ErrorKind.REQUEST_TOO_LARGE, message, null, code, 0);
    }
    if (status == 503 || status == 529) {
      return new GatewayError(503, ErrorKind.OVERLOADED, message, null, code, retryAfterMs);
    }
    if (status >= 500) {
      return new GatewayError(status, ErrorKind.UPSTREAM_ERROR, message, null, null, retryAfterMs);
    }
    return new GatewayError(status, ErrorKind.INVALID_REQUEST, message, param, code, 0);
  }
}
