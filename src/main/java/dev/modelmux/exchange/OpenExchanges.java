package dev.modelmux.exchange;

import dev.modelmux.core.ErrorKind;
import dev.modelmux.core.GatewayError;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every request of the process from routing until its dispatch is over (answer sent, reservations settled), with the
 * event loop it runs on, so a drain can see when the last one is done and cut off those still open at its deadline.
 */
public final class OpenExchanges {
  static final GatewayError SHUTTING_DOWN = new GatewayError(503, ErrorKind.SHUTTING_DOWN,
      "The gateway is shutting down and could not finish this answer in time; please retry.", null, null, 1000);

  private final Map<ClientResponse, Context> open = new ConcurrentHashMap<>();

  public void opened(ClientResponse client) {
    open.put(client, Vertx.currentContext());
  }

  public void closed(ClientResponse client) {
    open.remove(client);
  }

  public int size() {
    return open.size();
  }

  /** Ends every open answer with the shutdown error (in-band once streaming) and stops its upstream calls. */
  public void cutOff() {
    open.forEach((client, context) -> context.runOnContext(v -> client.shutDown(SHUTTING_DOWN)));
  }
}
