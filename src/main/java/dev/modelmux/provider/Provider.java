package dev.modelmux.provider;

import dev.modelmux.config.DeploymentConfig;
import dev.modelmux.gateway.GatewayError;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.RequestOptions;

/** How to reach one kind of provider: where to send, how to authenticate, and what its errors mean. */
public interface Provider {
  /** Method, absolute URI and headers (the key included) for one call. */
  RequestOptions request(DeploymentConfig deployment, boolean stream);

  /** An upstream error response in canonical form; the message never contains the deployment's key. */
  GatewayError error(DeploymentConfig deployment, int status, MultiMap headers, Buffer body);
}
