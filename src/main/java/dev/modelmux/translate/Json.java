package dev.modelmux.translate;

import dev.modelmux.config.DeploymentConfig;
import dev.modelmux.gateway.ErrorKind;
import dev.modelmux.gateway.GatewayError;
import dev.modelmux.gateway.GatewayException;
import io.vertx.core.json.JsonObject;

/** Parsing what a provider sent, where anything but a JSON object is that provider's fault. */
final class Json {
  private Json() {}

  static JsonObject upstream(String json, DeploymentConfig deployment) {
    try {
      return new JsonObject(json);
    } catch (RuntimeException e) {
      throw new GatewayException(GatewayError.of(502, ErrorKind.UPSTREAM_ERROR,
          "Deployment '" + deployment.id() + "' sent a malformed answer (not a JSON object)."));
    }
  }

  /** A count that providers may send as a number, as null, or not at all. */
  static int intOr(JsonObject object, String field, int fallback) {
    return object.getValue(field) instanceof Number n ? n.intValue() : fallback;
  }

  static GatewayException incomplete(DeploymentConfig deployment) {
    return new GatewayException(GatewayError.of(502, ErrorKind.UPSTREAM_ERROR,
        "Deployment '" + deployment.id() + "' ended the stream before the answer was complete."));
  }

  static GatewayException untranslatable(String field, String why) {
    return new GatewayException(GatewayError.invalid(why, field, "unsupported_parameter"));
  }
}
