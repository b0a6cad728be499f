package dev.modelmux.api;

import dev.modelmux.config.AuthConfig;
import dev.modelmux.config.AuthConfig.ClientKey;
import dev.modelmux.config.Loopback;
import dev.modelmux.core.Dialect;
import dev.modelmux.core.ErrorKind;
import dev.modelmux.core.GatewayError;
import dev.modelmux.errors.ErrorResponses;
import dev.modelmux.gateway.AccessLog;
import io.vertx.core.Handler;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may call the client endpoints. With {@code mode: keys} a client presents its key as its SDK does
 * ({@code Authorization: Bearer} or {@code x-api-key}, either on either endpoint); the key that matched is kept on the
 * request for the route check ({@link #allows}) and the access log. Without an {@code auth} section the gateway runs in
 * protected mode: loopback clients are served as before, any other gets a 401. Keys are compared as SHA-256 digests
 * in constant time and never logged; only their ids are. An operator key ({@code admin: true}) is a key too: it may call
 * the client endpoints within its own routes and limits. Who may call the operator's endpoints is {@link OperatorAuth}'s.
 */
public final class ClientAuth {
  private static final Logger LOG = LoggerFactory.getLogger(ClientAuth.class);
  private static final String CLIENT_KEY = "modelmux.client-key";
  private static final String OPERATOR = "modelmux.operator-call";

  /** 127.0.0.0/8 and ::1 (an IPv4-mapped loopback included); a Unix socket is local too. */
  public static final Predicate<SocketAddress> LOOPBACK = ClientAuth::isLoopback;

  private final Optional<AuthConfig> config;
  private final Predicate<SocketAddress> local;
  private final OperatorAuth operators;

  /** @param local decides whether a peer is on this host (tests pass their own to play a remote client) */
  public ClientAuth(Optional<AuthConfig> config, Predicate<SocketAddress> local) {
    this.config = config;
    this.local = local;
    this.operators = new OperatorAuth(config, local, new OperatorSessions(System::currentTimeMillis));
    if (config.isEmpty()) {
      LOG.warn("No auth section configured: protected mode, only loopback clients are served and any other gets 401. "
          + "Add auth (mode: keys, or mode: none to serve everyone) to accept remote clients.");
    } else if (config.get().mode() == AuthConfig.Mode.NONE) {
      LOG.info("auth mode none: every client is served without a key");
    } else {
      LOG.info("auth mode keys: {} client keys ({})", config.get().keys().size(),
          String.join(", ", config.get().keys().stream().map(ClientKey::id).toList()));
    }
    if (config.isPresent() && config.get().keys().stream().noneMatch(ClientKey::admin)) {
      LOG.warn("No operator key (admin: true) in auth: /admin, /review, /_emulator (and /metrics unless public) refuse everyone.");
    }
  }

  /** Who may call the operator's endpoints: one for the process, so a review page session holds on every event loop. */
  public OperatorAuth operators() {
    return operators;
  }

  /** The handler for one endpoint; its refusals speak {@code dialect}, or the caller's when {@code dialect} is null. */
  public Handler<RoutingContext> handler(Dialect dialect) {
    return ctx -> {
      if (config.isEmpty()) {
        if (local.test(ctx.request().remoteAddress())) {
          ctx.put(OPERATOR, true);
          ctx.next();
        } else {
          refuse(ctx, dialect, new GatewayError(401, ErrorKind.UNAUTHENTICATED, "Authentication is not configured on this "
              + "gateway, so it serves clients on its own host only. Its operator can add an auth section (mode: keys) to "
              + "admit remote clients.", null, "auth_not_configured", 0), "auth_not_configured", null);
        }
        return;
      }
      if (config.get().mode() == AuthConfig.Mode.NONE) {
        if (ctx.request().getHeader(EvalTag.HEADER) != null) {
          ClientKey presented = identify(config.get().keys(), presented(ctx));
          ctx.put(OPERATOR, presented != null && presented.admin());
        }
        ctx.next();
        return;
      }
      ClientKey key = identify(config.get().keys(), presented(ctx));
      if (key == null) {
        boolean none = presented(ctx).isEmpty();
        refuse(ctx, dialect, GatewayError.of(401, ErrorKind.UNAUTHENTICATED, none
            ? "Missing API key: send it as 'Authorization: Bearer <key>' or 'x-api-key: <key>'."
            : "Invalid API key."), none ? "missing_key" : "invalid_key", null);
        return;
      }
      ctx.put(CLIENT_KEY, key);
      ctx.put(OPERATOR, key.admin());
      ctx.next();
    };
  }

  /** The key this request authenticated with, or null when keys are not checked. */
  static ClientKey key(RoutingContext ctx) {
    return ctx.get(CLIENT_KEY);
  }

  /**
   * Whether the caller proved it is the operator: it presented an operator key ({@code admin: true}), or the gateway
   * has no auth section and serves loopback callers only. With {@code mode: none} it is known only for a request that
   * carries {@link EvalTag#HEADER}, the one thing that asks.
   */
  static boolean isOperator(RoutingContext ctx) {
    return Boolean.TRUE.equals(ctx.get(OPERATOR));
  }

  /** Whether the request's key may use {@code route} (always, when keys are not checked). */
  public static boolean mayUse(RoutingContext ctx, String route) {
    ClientKey key = key(ctx);
    return key == null || key.allows(route);
  }

  /** The refusal for a route the request's key may not use, or null when it may. */
  static GatewayError forbidden(ClientKey key, String route) {
    if (key == null || key.allows(route)) {
      return null;
    }
    return GatewayError.of(403, ErrorKind.FORBIDDEN, "The API key '" + key.id() + "' is not allowed to use the model `" + route + "`.")
        .withParam("model");
  }

  /**
   * The configured key whose digest equals the digest of one presented value. Every presented value is compared with
   * every key, each with {@link java.security.MessageDigest#isEqual}, so the time taken does not depend on where or
   * whether one matches.
   */
  static ClientKey identify(List<ClientKey> keys, List<String> presented) {
    ClientKey found = null;
    for (String value : presented) {
      byte[] digest = AuthConfig.sha256(value);
      for (ClientKey key : keys) {
        if (key.matches(digest) && found == null) {
          found = key;
        }
      }
    }
    return found;
  }

  /** The values a client sent as its key: the Bearer token and x-api-key, each when present and not blank. */
  static List<String> presented(RoutingContext ctx) {
    String bearer = null;
    String authorization = ctx.request().getHeader("authorization");
    if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
      bearer = authorization.substring(7).strip();
    }
    String apiKey = ctx.request().getHeader("x-api-key");
    apiKey = apiKey == null ? null : apiKey.strip();
    List<String> values = new ArrayList<>(2);
    if (bearer != null && !bearer.isEmpty()) {
      values.add(bearer);
    }
    if (apiKey != null && !apiKey.isEmpty() && !apiKey.equals(bearer)) {
      values.add(apiKey);
    }
    return values;
  }

  private static void refuse(RoutingContext ctx, Dialect dialect, GatewayError error, String outcome, String keyId) {
    Dialect speaks = dialect != null ? dialect : ctx.request().getHeader("anthropic-version") != null ? Dialect.ANTHROPIC : Dialect.OPENAI;
    String requestId = RequestIds.of(ctx.request());
    if (error.status() == 401) {
      ctx.response().putHeader("www-authenticate", "Bearer");
    }
    ErrorResponses.send(ctx.response(), speaks, requestId, error);
    AccessLog.rejected(requestId, ErrorResponses.status(speaks, error), 0, outcome, keyId);
  }

  private static boolean isLoopback(SocketAddress peer) {
    return peer != null && (peer.isDomainSocket() || Loopback.isLoopback(peer.hostAddress()));
  }
}
