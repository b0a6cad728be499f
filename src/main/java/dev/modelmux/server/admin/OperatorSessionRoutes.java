package dev.modelmux.server.admin;

import dev.modelmux.api.OperatorAuth;
import dev.modelmux.api.OperatorSessions;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.util.Locale;

/**
 * The review page's login: {@code POST /admin/session} with an operator key in the Authorization header sets an
 * HttpOnly, SameSite=Strict cookie holding a random session id (the key stays in the page only while it is typed);
 * {@code GET} says who is logged in and how; {@code DELETE} logs out. Behind {@link OperatorGate} like every operator endpoint.
 */
final class OperatorSessionRoutes {
  private OperatorSessionRoutes() {}

  static void mount(Router admin, OperatorSessions sessions) {
    admin.get("/admin/session").handler(ctx -> ctx.json(who(OperatorGate.verdict(ctx))));
    admin.post("/admin/session").handler(ctx -> {
      OperatorAuth.Verdict verdict = OperatorGate.verdict(ctx);
      if (verdict.via() != OperatorAuth.Via.HEADER_KEY) {
        ctx.response().setStatusCode(400);
        ctx.json(new JsonObject().put("error", new JsonObject().put("message", verdict.via() == OperatorAuth.Via.LOOPBACK
            ? "Authentication is not configured: loopback clients need no login." : "Log in with an operator key in the Authorization header.")));
        return;
      }
      ctx.response().addCookie(cookie(sessions.open(verdict.keyId()), OperatorSessions.TTL_MS / 1000, ctx.request().isSSL()));
      ctx.json(who(verdict).put("expires_in_s", OperatorSessions.TTL_MS / 1000));
    });
    admin.delete("/admin/session").handler(ctx -> {
      Cookie current = ctx.request().getCookie(OperatorAuth.COOKIE);
      sessions.close(current == null ? null : current.getValue());
      ctx.response().addCookie(cookie("", 0, ctx.request().isSSL()));
      ctx.json(new JsonObject().put("logged_out", true));
    });
  }

  private static JsonObject who(OperatorAuth.Verdict verdict) {
    return new JsonObject().put("operator", verdict.keyId()).put("via", verdict.via().name().toLowerCase(Locale.ROOT));
  }

  private static Cookie cookie(String value, long maxAgeS, boolean tls) {
    return Cookie.cookie(OperatorAuth.COOKIE, value).setPath("/").setHttpOnly(true).setSameSite(CookieSameSite.STRICT)
        .setSecure(tls).setMaxAge(maxAgeS);
  }
}
