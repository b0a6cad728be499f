package dev.modelmux.server;

import dev.modelmux.api.RequestIds;
import dev.modelmux.core.Dialect;
import dev.modelmux.core.ErrorKind;
import dev.modelmux.core.GatewayError;
import dev.modelmux.gateway.ErrorResponses;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** Lets loopback clients through to the operator's endpoints when they share the public listener; refuses the rest. */
final class LoopbackOnly {
  private LoopbackOnly() {}

  static void check(RoutingContext ctx) {
    if (isLoopback(ctx.request().remoteAddress())) {
      ctx.next();
      return;
    }
    ErrorResponses.send(ctx.response(), Dialect.OPENAI, RequestIds.of(ctx.request()), GatewayError.of(403, ErrorKind.INVALID_REQUEST,
        "This endpoint answers loopback clients only; set server.admin_port to serve it on an admin listener."));
  }

  static boolean isLoopback(SocketAddress peer) {
    if (peer == null || peer.hostAddress() == null) {
      return false;
    }
    try {
      return InetAddress.getByName(peer.hostAddress()).isLoopbackAddress(); // a literal address: no lookup
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
