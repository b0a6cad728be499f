package dev.modelmux.api;

import dev.modelmux.config.AuthConfig;
import dev.modelmux.config.AuthConfig.ClientKey;
import dev.modelmux.core.ErrorKind;
import dev.modelmux.core.GatewayError;
import io.vertx.core.http.Cookie;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Who may call the operator's endpoints. With an {@code auth} section (either mode): an operator key ({@code admin:
 * true}) presented as {@code Authorization: Bearer} or {@code x-api-key}, or the review page's session cookie opened
 * with one; a client key is refused (403), no key or a wrong one too (401). Without an {@code auth} section (protected
 * mode, the demo) a loopback client is trusted, as the client endpoints trust it. Where the request came from does not
 * matter once auth is configured: a sidecar, a port-forward or a same-host proxy is loopback too.
 */
public final class OperatorAuth {
  /** The review page's session cookie: a random id, never the key. */
  public static final String COOKIE = "modelmux_operator";

  /** How a request proved it is an operator's. A header key cannot come from a page that does not know it. */
  public enum Via { HEADER_KEY, SESSION, LOOPBACK }

  /** Either an operator (how, and the key's id, null for loopback) or the refusal to send. */
  public record Verdict(Via via, String keyId, GatewayError refusal) {
    public boolean allowed() {
      return refusal == null;
    }

    static Verdict refused(int status, String message) {
      return new Verdict(null, null, GatewayError.of(status, status == 401 ? ErrorKind.UNAUTHENTICATED : ErrorKind.FORBIDDEN, message));
    }
  }

  private final Optional<AuthConfig> config;
  private final Predicate<SocketAddress> local;
  private final OperatorSessions sessions;

  public OperatorAuth(Optional<AuthConfig> config, Predicate<SocketAddress> local, OperatorSessions sessions) {
    this.config = config;
    this.local = local;
    this.sessions = sessions;
  }

  public OperatorSessions sessions() {
    return sessions;
  }

  public Verdict check(RoutingContext ctx) {
    if (config.isEmpty()) {
      return local.test(ctx.request().remoteAddress()) ? new Verdict(Via.LOOPBACK, null, null) : Verdict.refused(403,
          "Authentication is not configured on this gateway, so its operator endpoints answer clients on its own host only. "
              + "Add an auth section with an operator key (admin: true) to reach them from elsewhere.");
    }
    var presented = ClientAuth.presented(ctx);
    if (!presented.isEmpty()) {
      ClientKey key = ClientAuth.identify(config.get().keys(), presented);
      if (key == null) {
        return Verdict.refused(401, "Invalid API key.");
      }
      return key.admin() ? new Verdict(Via.HEADER_KEY, key.id(), null)
          : Verdict.refused(403, "The API key '" + key.id() + "' is a client key; this endpoint needs an operator key (admin: true).");
    }
    Cookie cookie = ctx.request().getCookie(COOKIE);
    if (cookie != null) {
      String keyId = sessions.keyId(cookie.getValue());
      boolean stillOperator = keyId != null && config.get().keys().stream().anyMatch(k -> k.admin() && k.id().equals(keyId));
      return stillOperator ? new Verdict(Via.SESSION, keyId, null)
          : Verdict.refused(401, "The operator session has expired or ended: log in again with an operator key.");
    }
    return Verdict.refused(401, "This endpoint needs an operator key (admin: true): send it as 'Authorization: Bearer <key>' "
        + "or 'x-api-key: <key>', or log in on the review page.");
  }
}
