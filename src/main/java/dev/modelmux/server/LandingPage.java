package dev.modelmux.server;

import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /} from a browser: what this is and where to go. Static, the same for everyone: no routes, deployments,
 * hosts or versions (an unauthenticated caller may ask); the operator's pages it links to ask for a credential
 * themselves. Any other client's {@code GET /} is the 404 of an unknown path.
 */
final class LandingPage {
  private static final String HEAD = """
      <!doctype html>
      <html lang="en"><head><meta charset="utf-8"><title>modelmux</title></head>
      <body>
      <h1>modelmux</h1>
      <p>An LLM gateway. OpenAI SDKs take the base URL <code>/v1</code> (<code>POST /v1/chat/completions</code>);
      Anthropic SDKs take this address as it is (<code>POST /v1/messages</code>).</p>
      """;
  private static final String OPERATOR_LINKS = """
      <h2>For operators</h2>
      <ul>
      <li><a href="/review">Review</a>: the interaction log's review queue</li>
      <li><a href="/admin/costs">Costs</a>: requests, tokens and spend (<code>?group=route|deployment|task|key|day&amp;since=7d</code>)</li>
      <li><a href="/admin/deployments">Deployments</a>: limits, headroom, breakers, latency</li>
      <li><a href="/metrics">Metrics</a>: Prometheus</li>
      </ul>
      <p>These ask for an operator's credential.</p>
      """;
  private static final String ELSEWHERE = """
      <p>The operator's pages are on the admin listener.</p>
      """;
  private static final String TAIL = """
      <p>Documentation: <code>README.md</code> and <code>docs/</code> in the modelmux repository.</p>
      </body></html>
      """;

  private LandingPage() {}

  /** @param operatorLinks whether this listener serves the operator's pages (so the page links to them) */
  static void mount(Router router, boolean operatorLinks) {
    String page = HEAD + (operatorLinks ? OPERATOR_LINKS : ELSEWHERE) + TAIL;
    router.get("/").handler(ctx -> serve(ctx, page));
  }

  private static void serve(RoutingContext ctx, String page) {
    String accept = ctx.request().getHeader(HttpHeaders.ACCEPT);
    if (accept == null || !accept.contains("text/html")) {
      ctx.next();
      return;
    }
    ctx.response()
        .putHeader(HttpHeaders.CONTENT_TYPE, "text/html; charset=utf-8")
        .putHeader("content-security-policy", "default-src 'none'; frame-ancestors 'none'; base-uri 'none'")
        .putHeader("x-content-type-options", "nosniff")
        .putHeader("referrer-policy", "no-referrer")
        .end(page);
  }
}
