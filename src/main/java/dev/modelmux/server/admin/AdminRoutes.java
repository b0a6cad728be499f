package dev.modelmux.server.admin;

import dev.modelmux.api.OperatorSessions;
import dev.modelmux.api.RequestIds;
import dev.modelmux.breaker.Breakers;
import dev.modelmux.budget.BudgetStore;
import dev.modelmux.core.Dialect;
import dev.modelmux.core.ErrorKind;
import dev.modelmux.core.GatewayError;
import dev.modelmux.errors.ErrorResponses;
import dev.modelmux.gateway.KeyAccounts;
import dev.modelmux.interactions.CostsConfig;
import dev.modelmux.interactions.InteractionLog;
import dev.modelmux.metrics.GatewayMetrics;
import dev.modelmux.prompts.Catalog;
import dev.modelmux.prompts.PromptRepository;
import dev.modelmux.routing.RouteTable;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The operator's endpoints on one router (the admin listener's, or the public one without it): {@link #mount} puts the
 * {@link OperatorGate} in front of every operator path first, so no endpoint mounted after it is reached, nor its body
 * read, without an operator's credential; then each call mounts one group of endpoints with what it reads.
 */
public final class AdminRoutes {
  private final Router router;

  private AdminRoutes(Router router) {
    this.router = router;
  }

  /** @param publicMetrics whether {@code /metrics} is served to anyone (then not behind the gate) */
  public static AdminRoutes mount(Router router, OperatorGate gate, boolean publicMetrics) {
    router.route("/admin/*").handler(gate::endpoint);
    router.route("/_emulator/*").handler(gate::endpoint);
    router.route("/review*").handler(gate::page);
    if (!publicMetrics) {
      router.route("/metrics").handler(gate::endpoint);
    }
    return new AdminRoutes(router);
  }

  /** The review page's login: {@code /admin/session}. */
  public AdminRoutes sessions(OperatorSessions sessions) {
    OperatorSessionRoutes.mount(router, sessions);
    return this;
  }

  /** {@code GET /admin/deployments}. */
  public AdminRoutes deployments(RouteTable routes, BudgetStore budgets, Breakers breakers) {
    router.get("/admin/deployments").handler(new DeploymentsEndpoint(routes, budgets, breakers));
    return this;
  }

  /** {@code POST /admin/drain}: starts the process's drain and says so. */
  public AdminRoutes drain(Runnable start) {
    router.post("/admin/drain").handler(ctx -> {
      start.run();
      ctx.response().setStatusCode(202);
      ctx.json(new JsonObject().put("status", "DRAINING"));
    });
    return this;
  }

  /** {@code GET /admin/keys}: each client key's spend and budget. */
  public AdminRoutes keys(KeyAccounts accounts) {
    router.get("/admin/keys").handler(ctx -> accounts.report().onComplete(report -> {
      if (report.failed()) {
        error(ctx, GatewayError.of(503, ErrorKind.OVERLOADED, "Budgets are unavailable: " + report.cause().getMessage()));
        return;
      }
      ctx.json(new JsonObject().put("keys", report.result()));
    }));
    return this;
  }

  /** {@code GET /metrics} on this router. */
  public AdminRoutes metrics(GatewayMetrics metrics) {
    router.get("/metrics").handler(scrape(metrics));
    return this;
  }

  /** {@code GET /admin/costs}, from the interaction log when there is one, else from this replica's live counters. */
  public AdminRoutes costs(RouteTable routes, Optional<InteractionLog> interactions, Optional<CostsConfig> costs) {
    router.get("/admin/costs").handler(new CostsEndpoint(routes, interactions, costs));
    return this;
  }

  /** The review page and its API; nothing without an interaction log. */
  public AdminRoutes review(Vertx vertx, Optional<InteractionLog> interactions, Optional<PromptRepository> prompts) {
    interactions.ifPresent(log -> ReviewRoutes.mount(vertx, router, log, prompts));
    return this;
  }

  /** {@code GET /admin/prompts}: the prompt catalog and where it was loaded from. */
  public AdminRoutes prompts(Supplier<Catalog> catalog, Optional<PromptRepository> prompts) {
    router.get("/admin/prompts").handler(ctx -> ctx.json(catalog.get().describe()
        .put("dir", prompts.map(repository -> repository.dir().toString()).orElse(null))));
    return this;
  }

  /** The in-process emulator's controls, {@code /_emulator/*}, when it runs in this process (else nothing mounted). */
  public AdminRoutes emulator(Optional<Handler<HttpServerRequest>> controls) {
    controls.ifPresent(handler -> router.route("/_emulator/*").handler(ctx -> handler.handle(ctx.request())));
    return this;
  }

  /** The Prometheus scrape; the public listener serves it too when {@code public_metrics} says so. */
  public static Handler<RoutingContext> scrape(GatewayMetrics metrics) {
    return ctx -> ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8").end(metrics.scrape());
  }

  /** An operator endpoint's error, in the OpenAI dialect as every path outside {@code /v1/messages} is answered. */
  static void error(RoutingContext ctx, GatewayError error) {
    ErrorResponses.send(ctx.response(), Dialect.OPENAI, RequestIds.of(ctx.request()), error);
  }
}
