package dev.modelmux.server;

import dev.modelmux.core.Dialect;
import dev.modelmux.gateway.ErrorResponses;
import dev.modelmux.api.RequestIds;
import dev.modelmux.api.ChatEndpoint;
import dev.modelmux.api.ClientAuth;
import dev.modelmux.api.anthropic.AnthropicRequestParser;
import dev.modelmux.api.openai.OpenAiRequestParser;
import dev.modelmux.budget.BudgetStore;
import dev.modelmux.config.GatewayConfig;
import io.vertx.core.http.HttpServerOptions;
import dev.modelmux.config.AdminConfig;
import dev.modelmux.gateway.ChatService;
import dev.modelmux.gateway.Shared;
import dev.modelmux.gateway.KeyAccounts;
import dev.modelmux.gateway.UpstreamClients;
import dev.modelmux.core.ErrorKind;
import dev.modelmux.core.GatewayError;
import dev.modelmux.metrics.GatewayMetrics;
import dev.modelmux.resilience.Breakers;
import dev.modelmux.routing.RouteTable;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.function.Supplier;
import dev.modelmux.prompts.Catalog;
import dev.modelmux.api.FeedbackEndpoint;
import dev.modelmux.interactions.BuildVsBuy;
import dev.modelmux.interactions.CostGroup;
import dev.modelmux.interactions.CostRows;
import dev.modelmux.interactions.CostsConfig;
import dev.modelmux.interactions.InteractionLog;
import dev.modelmux.interactions.Since;
import dev.modelmux.prompts.PromptRepository;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The gateway's HTTP front: one per event loop, all sharing the port, the route table and nothing else mutable. */
public final class GatewayVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(GatewayVerticle.class);

  private final GatewayConfig config;
  private final Shared shared;
  private final RouteTable routes;
  private final BudgetStore budgets;
  private final Breakers breakers;
  private final GatewayMetrics metrics;
  private final Drain drain;
  private final Readiness readiness;
  private final LoadShedder shedder;
  private final BodyBudget bodies;
  private final ClientAuth auth;
  private final Handler<HttpServerRequest> emulatorControls;
  private final PromptRepository prompts;
  private final InteractionLog interactions;
  private UpstreamClients upstream;
  private HttpServer server;
  private HttpServer adminServer;
  private OperatorGate operatorGate;

  GatewayVerticle(GatewayConfig config, Shared shared, ServerParts parts) {
    this.config = config;
    this.shared = shared;
    this.routes = shared.routes();
    this.budgets = shared.budgets();
    this.breakers = shared.breakers();
    this.metrics = shared.metrics();
    this.drain = parts.drain();
    this.readiness = parts.readiness();
    this.shedder = parts.shedder();
    this.bodies = parts.bodies();
    this.auth = parts.auth();
    this.emulatorControls = parts.emulatorControls();
    this.prompts = parts.prompts();
    this.interactions = parts.interactions();
  }

  @Override
  public Future<?> start() {
    upstream = new UpstreamClients(vertx, config.deployments(), config.server().instances());
    KeyAccounts keyAccounts = new KeyAccounts(budgets, config.auth(), metrics);
    ChatService chat = new ChatService(shared, upstream, keyAccounts);
    Supplier<Catalog> catalog = prompts == null ? () -> Catalog.EMPTY : prompts::catalog;

    Router router = Router.router(vertx);
    // The key is checked and a place given on the headers; only then is the body read, bounded in size, time and memory.
    long maxBody = config.server().maxBodyBytes();
    router.post("/v1/chat/completions").handler(BodyReader::hold).handler(auth.handler(Dialect.OPENAI)).handler(shedder.admit(Dialect.OPENAI))
        .handler(new BodyReader(vertx, maxBody, config.server().frontDoor(), bodies, Dialect.OPENAI))
        .handler(new ChatEndpoint(chat, Dialect.OPENAI, OpenAiRequestParser::parse, catalog));
    router.post("/v1/messages").handler(BodyReader::hold).handler(auth.handler(Dialect.ANTHROPIC)).handler(shedder.admit(Dialect.ANTHROPIC))
        .handler(new BodyReader(vertx, maxBody, config.server().frontDoor(), bodies, Dialect.ANTHROPIC))
        .handler(new ChatEndpoint(chat, Dialect.ANTHROPIC, AnthropicRequestParser::parse, catalog));
    router.get("/v1/models").handler(auth.handler(null)).handler(this::models);
    router.post("/v1/feedback").handler(BodyReader::hold).handler(auth.handler(null))
        .handler(new BodyReader(vertx, FeedbackEndpoint.MAX_BODY_BYTES, config.server().frontDoor(), bodies, null))
        .handler(new FeedbackEndpoint(interactions));
    router.get("/health/live").handler(ctx -> ctx.json(new JsonObject().put("status", "UP")));
    router.get("/health/ready").handler(this::ready);
    AdminConfig admin = config.server().admin();
    Router adminRouter = admin.ownListener() ? Router.router(vertx) : router;
    // On either listener, the operator's endpoints ask for an operator's credential first, before any body is read.
    operatorGate = new OperatorGate(auth.operators(), admin);
    adminRouter.route("/admin/*").handler(operatorGate::endpoint);
    adminRouter.route("/_emulator/*").handler(operatorGate::endpoint);
    adminRouter.route("/review*").handler(operatorGate::page);
    if (!admin.publicMetrics()) {
      adminRouter.route("/metrics").handler(operatorGate::endpoint);
    }
    OperatorSessionRoutes.mount(adminRouter, auth.operators().sessions());
    adminRouter.get("/admin/deployments").handler(this::deployments);
    adminRouter.post("/admin/drain").handler(ctx -> {
      drain.start();
      ctx.response().setStatusCode(202);
      ctx.json(new JsonObject().put("status", "DRAINING"));
    });
    adminRouter.get("/admin/keys").handler(ctx -> keyAccounts.report().onComplete(report -> {
      if (report.failed()) {
        error(ctx, GatewayError.of(503, ErrorKind.OVERLOADED, "Budgets are unavailable: " + report.cause().getMessage()));
        return;
      }
      ctx.json(new JsonObject().put("keys", report.result()));
    }));
    adminRouter.get("/metrics").handler(this::scrape);
    adminRouter.get("/admin/costs").handler(this::costs);
    ReviewRoutes.mount(vertx, adminRouter, interactions, prompts);
    adminRouter.get("/admin/prompts").handler(ctx -> ctx.json(catalog.get().describe()
        .put("dir", prompts == null ? null : prompts.dir().toString())));
    if (emulatorControls != null) {
      adminRouter.route("/_emulator/*").handler(ctx -> emulatorControls.handle(ctx.request()));
    }
    LandingPage.mount(adminRouter, true);
    if (admin.ownListener()) {
      LandingPage.mount(router, false);
    }
    if (admin.ownListener() && admin.publicMetrics()) {
      router.get("/metrics").handler(this::scrape);
    }

    router.errorHandler(413, ctx -> {
      // The rest of the body is still on its way: close the connection rather than leave it half-read.
      ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
      error(ctx, GatewayError.of(413, ErrorKind.REQUEST_TOO_LARGE,
          "Request body exceeds the limit of " + config.server().maxBodyBytes() + " bytes."));
    });
    router.errorHandler(417, ctx -> {
      ctx.response().putHeader(HttpHeaders.CONNECTION, "close");
      error(ctx, GatewayError.of(417, ErrorKind.INVALID_REQUEST, "The request's Expect header cannot be met; only 100-continue is supported."));
    });
    router.errorHandler(404, GatewayVerticle::noRoute);
    if (admin.ownListener()) {
      adminRouter.errorHandler(404, GatewayVerticle::noRoute);
    }
    router.errorHandler(405, ctx -> error(ctx, GatewayError.of(405, ErrorKind.INVALID_REQUEST,
        "Method " + ctx.request().method() + " is not allowed on " + ctx.request().path() + ".")));
    router.errorHandler(400, ctx -> error(ctx, GatewayError.invalid("The request could not be read.", null, null)));
    router.errorHandler(500, ctx -> {
      LOG.error("unexpected failure on {} {}", ctx.request().method(), ctx.request().path(), ctx.failure());
      error(ctx, GatewayError.of(500, ErrorKind.INTERNAL, "The gateway failed to serve this request."));
    });

    server = vertx.createHttpServer(FrontDoor.options(config.server()));
    var requests = FrontDoor.guard(vertx, server, router, config.server(), metrics.connections(), shedder::ended);
    // This event loop's Redis connection is opened before the first request, so a burst never waits for one.
    Future<?> listening = budgets.warm().compose(v -> server.requestHandler(requests).listen());
    if (!admin.ownListener()) {
      return listening;
    }
    adminServer = vertx.createHttpServer(new HttpServerOptions().setHost(admin.host()).setPort(admin.port()));
    return listening.compose(v -> adminServer.requestHandler(adminRouter).listen());
  }

  public int actualPort() {
    return server.actualPort();
  }

  /** The admin listener's port, or -1 when the operator's endpoints are on the main listener. */
  public int adminPort() {
    return adminServer == null ? -1 : adminServer.actualPort();
  }

  /**
   * {@code GET /admin/costs?since=7d&group=route|deployment|task|key|day[&include=eval]}: requests, tokens and spend from
   * the log; eval traffic only with {@code include=eval}.
   */
  private void costs(RoutingContext ctx) {
    String groupName = ctx.request().getParam("group", "deployment");
    if (interactions == null) {
      liveCosts(ctx, groupName);
      return;
    }
    CostGroup group = CostGroup.parse(groupName);
    long since;
    boolean includeEval;
    try {
      includeEval = IncludeEval.of(ctx.request().getParam("include"));
      if (group == null) {
        throw new IllegalArgumentException("'group' must be route, deployment, task, key or day.");
      }
      since = Since.parse(ctx.request().getParam("since", "30d"), System.currentTimeMillis());
    } catch (IllegalArgumentException e) {
      error(ctx, GatewayError.invalid(e.getMessage(), null, null));
      return;
    }
    interactions.flush().compose(v -> interactions.store().costs(since, group, includeEval)).onComplete(rows -> {
      if (rows.failed()) {
        error(ctx, GatewayError.of(503, ErrorKind.OVERLOADED, "The interaction log is unavailable: " + rows.cause().getMessage()));
        return;
      }
      double total = rows.result().stream().mapToDouble(r -> ((JsonObject) r).getDouble("cost_usd")).sum();
      long requests = rows.result().stream().mapToLong(r -> ((JsonObject) r).getLong("requests")).sum();
      JsonObject answer = new JsonObject().put("since", java.time.Instant.ofEpochMilli(since).toString()).put("group", groupName)
          .put("include_eval", includeEval).put("total_usd", CostRows.usd(total)).put("requests", requests).put("rows", rows.result());
      config.section(CostsConfig.SECTION, CostsConfig.class).ifPresent(costs ->
          answer.put("build_vs_buy", BuildVsBuy.of(costs, requests, total, System.currentTimeMillis() - since)));
      ctx.json(answer);
    });
  }

  /**
   * Without an interaction log: this replica's counters since it started, per deployment (sum replicas in Prometheus),
   * eval traffic included whatever {@code include} says (it is still checked, as on the log's path).
   */
  private void liveCosts(RoutingContext ctx, String groupName) {
    try {
      IncludeEval.of(ctx.request().getParam("include"));
    } catch (IllegalArgumentException e) {
      error(ctx, GatewayError.invalid(e.getMessage(), null, null));
      return;
    }
    if (!groupName.equals("deployment")) {
      error(ctx, GatewayError.invalid("Without an interaction log, costs are this replica's live counters, by deployment only "
          + "(GET /admin/keys has each key's spend); configure interactions: for group=" + groupName + ".", "group", null));
      return;
    }
    JsonArray rows = new JsonArray();
    double total = 0;
    for (var deployment : routes.deployments()) {
      double[] t = deployment.meters().totals();
      total += t[2];
      rows.add(new JsonObject().put("deployment", deployment.id()).put("prompt_tokens", Math.round(t[0]))
          .put("completion_tokens", Math.round(t[1])).put("cost_usd", CostRows.usd(t[2])));
    }
    ctx.json(new JsonObject().put("source", "live counters of this replica since it started").put("group", groupName)
        .put("include_eval", true).put("note", "the live counters cannot tell eval traffic apart: it is included; "
            + "configure interactions: to leave it out")
        .put("total_usd", CostRows.usd(total)).put("rows", rows));
  }

  private void scrape(RoutingContext ctx) {
    ctx.response().putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8").end(metrics.scrape());
  }

  /** A drain: this listener stops accepting; its open connections serve what they have, then close (at most graceMs). */
  void stopAccepting(long graceMs) {
    context.runOnContext(v -> server.shutdown(graceMs, java.util.concurrent.TimeUnit.MILLISECONDS));
  }

  private void models(RoutingContext ctx) {
    JsonArray data = new JsonArray();
    for (String name : routes.names()) {
      if (!ClientAuth.mayUse(ctx, name)) {
        continue;
      }
      data.add(new JsonObject().put("id", name).put("object", "model").put("created", 0).put("owned_by", "modelmux"));
    }
    ctx.json(new JsonObject().put("object", "list").put("data", data));
  }

  /** The process's readiness ({@link Readiness}); the budgets' details (mode, Redis host) to an operator only. */
  private void ready(RoutingContext ctx) {
    JsonObject budgetStatus = budgets.status();
    Readiness.Answer answer = readiness.answer(budgetStatus.getString("mode"));
    ctx.response().setStatusCode(answer.status());
    if (!operatorGate.isOperator(ctx)) {
      ctx.json(new JsonObject().put("status", answer.state()));
      return;
    }
    ctx.json(new JsonObject().put("status", answer.state())
        .put("checks", new JsonObject()
            .put("deployments", config.deployments().size())
            .put("routes", routes.names().size())
            .put("budgets", budgetStatus)));
  }

  /** Each deployment's limits, headroom, leases, in-flight requests, pause and recent latency, as the budget store sees them. */
  private void deployments(RoutingContext ctx) {
    List<Future<JsonObject>> rows = routes.deployments().stream()
        .map(d -> budgets.headroom(d.id(), d.limits()).map(h -> new JsonObject()
            .put("id", d.id())
            .put("provider", d.config().provider().wireName())
            .put("model", d.config().model())
            .put("context_window", d.config().contextWindow())
            .put("limits", new JsonObject().put("tpm", h.tpm()).put("rpm", h.rpm()))
            .put("headroom", new JsonObject().put("tokens", h.tokensLeft()).put("requests", h.requestsLeft()))
            .put("used", new JsonObject().put("tokens", h.tokensUsed()).put("requests", h.requestsUsed()))
            .put("in_flight", d.state().inFlight())
            .put("paused_for_ms", h.pausedForMs())
            .put("lease", budgets.lease(d.id()))
            .put("breaker", breakers.state(d.id()).name().toLowerCase(java.util.Locale.ROOT))
            .put("ttft_ms_ewma", Math.round(d.state().ttftMs()))))
        .toList();
    Future.all(rows).onComplete(all -> {
      if (all.failed()) {
        error(ctx, GatewayError.of(503, ErrorKind.OVERLOADED, "Budgets are unavailable: " + all.cause().getMessage()));
        return;
      }
      JsonArray data = new JsonArray();
      rows.forEach(row -> data.add(row.result()));
      ctx.json(new JsonObject().put("budgets", budgets.status()).put("deployments", data));
    });
  }

  /** An unknown path (the router's 404): what was asked for, in the dialect of the path. */
  private static void noRoute(RoutingContext ctx) {
    error(ctx, GatewayError.of(404, ErrorKind.NOT_FOUND, "No route for " + ctx.request().method() + " " + ctx.request().path() + ".")
        .withCode("not_found"));
  }

  /** Errors the router raises itself (unknown path, body too large) in the dialect of the path asked for. */
  private static void error(RoutingContext ctx, GatewayError error) {
    Dialect dialect = ctx.request().path().startsWith("/v1/messages") ? Dialect.ANTHROPIC : Dialect.OPENAI;
    ErrorResponses.send(ctx.response(), dialect, RequestIds.of(ctx.request()), error);
  }
}
