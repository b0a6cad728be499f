package dev.modelmux.server.admin;

import dev.modelmux.api.OperatorAuth;
import dev.modelmux.api.RequestIds;
import dev.modelmux.config.AdminConfig;
import dev.modelmux.core.Dialect;
import dev.modelmux.core.ErrorKind;
import dev.modelmux.core.GatewayError;
import dev.modelmux.errors.ErrorResponses;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Set;

/**
 * The door of the operator's endpoints, on either listener: who is asking ({@link OperatorAuth}), by which Host name
 * (a request trusted by its cookie or by coming from loopback must name an allowed host, or a page under a DNS
 * rebinding attacker's name could use them; one with an operator key in a header cannot be such a page), and, for a
 * request that changes something, that it is not one a page on another site can send (JSON only, same origin).
 */
public final class OperatorGate {
  private static final Set<HttpMethod> SAFE = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.OPTIONS);
  private static final Set<String> SAME_SITE_FETCHES = Set.of("same-origin", "none");
  private static final String VERDICT = "modelmux.operator";

  private final OperatorAuth auth;
  private final AdminConfig admin;

  public OperatorGate(OperatorAuth auth, AdminConfig admin) {
    this.auth = auth;
    this.admin = admin;
  }

  /** For {@code /admin/*}, {@code /_emulator/*} and a non-public {@code /metrics}. */
  void endpoint(RoutingContext ctx) {
    OperatorAuth.Verdict verdict = auth.check(ctx);
    if (!verdict.allowed()) {
      refuse(ctx, verdict.refusal());
      return;
    }
    GatewayError refusal = verdict.via() == OperatorAuth.Via.HEADER_KEY ? null : hostRefusal(ctx.request());
    if (refusal == null && !SAFE.contains(ctx.request().method())) {
      refusal = forgeryRefusal(ctx.request());
    }
    if (refusal != null) {
      refuse(ctx, refusal);
      return;
    }
    ctx.put(VERDICT, verdict);
    ctx.response().putHeader("x-content-type-options", "nosniff").putHeader("cache-control", "no-store");
    ctx.next();
  }

  /** How the request that {@link #endpoint} let through proved it is an operator's. */
  static OperatorAuth.Verdict verdict(RoutingContext ctx) {
    return ctx.get(VERDICT);
  }

  /** For the review page's files: no data in them (the page logs in), but served only under an allowed name, unframed. */
  void page(RoutingContext ctx) {
    GatewayError refusal = hostRefusal(ctx.request());
    if (refusal != null) {
      refuse(ctx, refusal);
      return;
    }
    ctx.response()
        .putHeader("content-security-policy", "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
            + "img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
        .putHeader("x-frame-options", "DENY")
        .putHeader("x-content-type-options", "nosniff")
        .putHeader("referrer-policy", "no-referrer")
        .putHeader("cache-control", "no-store");
    ctx.next();
  }

  /** Whether this request may see what only an operator sees (readiness details), by the same rules, refusing nothing. */
  public boolean isOperator(RoutingContext ctx) {
    OperatorAuth.Verdict verdict = auth.check(ctx);
    return verdict.allowed() && (verdict.via() == OperatorAuth.Via.HEADER_KEY || hostRefusal(ctx.request()) == null);
  }

  private GatewayError hostRefusal(HttpServerRequest request) {
    String host = hostName(authority(request));
    if (host != null && admin.allowedHosts().contains(host)) {
      return null;
    }
    return GatewayError.of(403, ErrorKind.FORBIDDEN, "The operator's endpoints are not served under this Host name; "
        + "reach them as localhost (e.g. through kubectl port-forward), or add the name to server.admin_allowed_hosts.");
  }

  /** A POST, PUT or DELETE must say it is JSON (a form or a no-cors fetch cannot) and, when it says so, come from this origin. */
  private static GatewayError forgeryRefusal(HttpServerRequest request) {
    String type = request.getHeader("content-type");
    String media = type == null ? "" : type.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
    if (!media.equals("application/json") && !media.endsWith("+json")) {
      return GatewayError.of(415, ErrorKind.UNSUPPORTED_MEDIA_TYPE,
          "An operator request that changes something must be sent as 'content-type: application/json' (even with no body).");
    }
    String fetchSite = request.getHeader("sec-fetch-site");
    String origin = request.getHeader("origin");
    if (fetchSite != null && !SAME_SITE_FETCHES.contains(fetchSite.toLowerCase(Locale.ROOT))
        || origin != null && !sameOrigin(origin, authority(request), request.isSSL())) {
      return GatewayError.of(403, ErrorKind.FORBIDDEN, "An operator request that changes something is refused from another origin.");
    }
    return null;
  }

  private static boolean sameOrigin(String origin, String authority, boolean tls) {
    try {
      URI uri = new URI(origin);
      if (uri.getHost() == null || authority == null) {
        return false;
      }
      int originPort = uri.getPort() != -1 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
      return uri.getHost().toLowerCase(Locale.ROOT).equals(hostName(authority)) && originPort == port(authority, tls ? 443 : 80);
    } catch (URISyntaxException e) {
      return false;
    }
  }

  private static String authority(HttpServerRequest request) {
    String host = request.getHeader("host");
    if (host == null && request.authority() != null) {
      host = request.authority().toString();
    }
    return host;
  }

  /** The name in a Host value, lower-cased, without its port: {@code localhost}, {@code 127.0.0.1}, {@code [::1]}. */
  static String hostName(String authority) {
    if (authority == null || authority.isBlank()) {
      return null;
    }
    String a = authority.strip().toLowerCase(Locale.ROOT);
    if (a.startsWith("[")) {
      int end = a.indexOf(']');
      return end < 0 ? null : a.substring(0, end + 1);
    }
    int colon = a.indexOf(':');
    String name = colon < 0 ? a : a.substring(0, colon);
    return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
  }

  private static int port(String authority, int fallback) {
    String a = authority.strip();
    int colon = a.lastIndexOf(':');
    if (colon < 0 || a.lastIndexOf(']') > colon) {
      return fallback;
    }
    try {
      return Integer.parseInt(a.substring(colon + 1));
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static void refuse(RoutingContext ctx, GatewayError error) {
    if (error.status() == 401) {
      ctx.response().putHeader("www-authenticate", "Bearer");
    }
    ctx.response().putHeader("x-content-type-options", "nosniff");
    ErrorResponses.send(ctx.response(), Dialect.OPENAI, RequestIds.of(ctx.request()), error);
  }
}
