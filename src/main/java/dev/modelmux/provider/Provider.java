package dev.modelmux.provider;

import dev.modelmux.config.DeploymentConfig;
import dev.modelmux.core.GatewayError;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.RequestOptions;
import java.net.URI;

/** How to reach one kind of provider: where to send, how to authenticate, and what its errors mean. */
public interface Provider {
  /** Method, absolute URI and headers (the key included) for one call. */
  RequestOptions request(DeploymentConfig deployment, boolean stream);

  /** An upstream error response in canonical form; the message never contains the deployment's key. */
  GatewayError error(DeploymentConfig deployment, int status, MultiMap headers, Buffer body);

  /** The provider's own view of what is left of its limits, read from any response's headers. */
  default RemainingLimits remaining(MultiMap headers) {
    return RemainingLimits.from(headers, "x-ratelimit-remaining-tokens", "x-ratelimit-remaining-requests");
  }

  /** base_url and a path, with exactly one slash between them. */
  static String join(URI base, String path) {
    String root = base.toString();
    return (root.endsWith("/") ? root.substring(0, root.length() - 1) : root) + path;
  }
}
