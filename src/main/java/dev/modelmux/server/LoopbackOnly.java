package dev.modelmux.server;

import dev.modelmux.api.ClientAuth;
import dev.modelmux.api.RequestIds;
import dev.modelmux.core.Dialect;
import dev.modelmux.core.ErrorKind;
import dev.modelmux.core.GatewayError;
import dev.modelmux.gateway.ErrorResponses;
import io.vertx.ext.web.RoutingContext;

/** Lets loopback clients through to the operator's endpoints when they share the public listener; refuses the rest. */
final class LoopbackOnly {
  private LoopbackOnly() {}

  static void check(RoutingContext ctx) {
    if (ClientAuth.LOOPBACK.test(ctx.request().remoteAddress())) {
      ctx.next();
      return;
    }
    ErrorResponses.send(ctx.response(), Dialect.OPENAI, RequestIds.of(ctx.request()), GatewayError.of(403, ErrorKind.FORBIDDEN,
        "This endpoint answers loopback clients only; set server.admin_port to serve it on an admin listener."));
  }
}
