package dev.modelmux.provider;

import dev.modelmux.config.DeploymentConfig;
import dev.modelmux.core.ErrorKind;
import dev.modelmux.core.GatewayError;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/**
 * A provider's error response as far as it can be read: the {"error":{...}} object when the body is JSON (OpenAI,
 * Azure and Anthropic all nest it there), and a message safe to show — the provider's own with the key removed,
 * or a description of the status when the body was empty or not JSON (a proxy's HTML page, say).
 */
public record UpstreamErrorBody(JsonObject error, String message) {

  public static UpstreamErrorBody read(DeploymentConfig deployment, int status, Buffer body) {
    JsonObject error = errorObject(body);
    String upstream = error == null ? null : Redaction.redact(error.getValue("message") instanceof String m ? m : null, deployment.apiKey());
    String message = upstream != null ? upstream
        : "Deployment '" + deployment.id() + "' answered HTTP " + status + (body.length() == 0 ? " with no body." : " with a non-JSON body.");
    return new UpstreamErrorBody(error, message);
  }

  /** A text field of the error object, or null; for telling errors apart, never for showing (see code and param). */
  public String field(String name) {
    return error != null && error.getValue(name) instanceof String s ? s : null;
  }

  /** The provider's error code when it is a known one (see {@link UpstreamErrorFields}), else null. */
  public String code() {
    return error == null ? null : UpstreamErrorFields.code(error.getValue("code"));
  }

  /** The request field the provider named, when it is a plain field path that quotes no key, else null. */
  public String param(DeploymentConfig deployment) {
    return error == null ? null : UpstreamErrorFields.param(error.getValue("param"), deployment.apiKey());
  }

  /**
   * The provider refused the gateway itself (key, endpoint or model wrong): the client's request was fine, so a 502
   * naming the deployment — never the provider's text, which quotes key fragments. A 404 is kept apart
   * ({@link ErrorKind#UPSTREAM_NOT_FOUND}): the client's content can cause one too (a file id it names).
   */
  public static GatewayError refused(DeploymentConfig deployment, int status) {
    return GatewayError.of(502, status == 404 ? ErrorKind.UPSTREAM_NOT_FOUND : ErrorKind.UPSTREAM_ERROR,
        "Deployment '" + deployment.id() + "' was refused by its provider (HTTP " + status + "); check its api_key_env, base_url and model.");
  }

  private static JsonObject errorObject(Buffer body) {
    try {
      return new JsonObject(body).getValue("error") instanceof JsonObject e ? e : null;
    } catch (RuntimeException notJson) {
      return null;
    }
  }
}
