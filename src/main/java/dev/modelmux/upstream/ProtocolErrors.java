package dev.modelmux.upstream;

import dev.modelmux.core.ErrorKind;
import dev.modelmux.core.GatewayError;
import dev.modelmux.core.GatewayException;
import dev.modelmux.routing.Deployment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an upstream callback threw, as the provider's fault: a {@link GatewayException} as it says, anything else
 * (an answer of the wrong shape reaching a translator's cast, say) as a protocol error of the deployment, logged
 * once as a WARN with the exception's class and message only (never the answer, which may carry anything).
 */
final class ProtocolErrors {
  private static final Logger LOG = LoggerFactory.getLogger(ProtocolErrors.class);

  private ProtocolErrors() {}

  static GatewayError of(RuntimeException thrown, Deployment deployment, String where) {
    if (thrown instanceof GatewayException known) {
      return known.error();
    }
    LOG.warn("deployment {} sent an answer the gateway could not read ({}): {}", deployment.id(), where, thrown.toString());
    return GatewayError.of(502, ErrorKind.UPSTREAM_ERROR,
        "Deployment '" + deployment.id() + "' sent an answer of the wrong shape.");
  }
}
