package dev.modelmux.server;

import dev.modelmux.api.ChatEndpoint;
import dev.modelmux.api.ClientAuth;
import dev.modelmux.api.FeedbackEndpoint;
import dev.modelmux.api.RequestIds;
import dev.modelmux.api.anthropic.AnthropicRequestParser;
import dev.modelmux.api.openai.OpenAiRequestParser;
import dev.modelmux.breaker.Breakers;
import dev.modelmux.budget.BudgetStore;
import dev.modelmux.config.AdminConfig;
import dev.modelmux.config.GatewayConfig;
import dev.modelmux.core.Dialect;
import dev.modelmux.core.ErrorKind;
import dev.modelmux.core.GatewayError;
import dev.modelmux.dispatch.Shared;
import dev.modelmux.errors.ErrorResponses;
import dev.modelmux.gateway.ChatService;
import dev.modelmux.gateway.KeyAccounts;
import dev.modelmux.interactions.CostsConfig;
import dev.modelmux.interactions.InteractionLog;
import dev.modelmux.metrics.GatewayMetrics;
import dev.modelmux.prompts.Catalog;
import dev.modelmux.prompts.PromptRepository;
import dev.modelmux.routing.RouteTable;
import dev.modelmux.server.admin.AdminRoutes;
import dev.modelmux.server.admin.OperatorGate;
import dev.modelmux.upstream.UpstreamClients;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
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
  private final Optional<Handler<HttpServerRequest>> emulatorControls;
  private final Optional<PromptRepository> prompts;
  private final Optional<InteractionLog> interactions;
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
    Supplier<Catalog> catalog = prompts.<Supplier<Catalog>>map(repository -> repository::catalog).orElse(() -> Catalog.EMPTY);

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
    AdminRoutes.mount(adminRouter, operatorGate, admin.publicMetrics())
        .sessions(auth.operators().sessions())
        .deployments(routes, budgets, breakers)
        .drain(drain::start)
        .keys(keyAccounts)
        .metrics(metrics)
        .costs(routes, interactions, config.section(CostsConfig.SECTION, CostsConfig.class))
        .review(vertx, interactions, prompts)
        .prompts(catalog, prompts)
        .emulator(emulatorControls);
    LandingPage.mount(adminRouter, true);
    if (admin.ownListener()) {
      LandingPage.mount(router, false);
    }
    if (admin.ownListener() && admin.publicMetrics()) {
      router.get("/metrics").handler(AdminRoutes.scrape(metrics));
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

  /** A drain: this listener stops accepting; its open connections serve what they have, then close (at most graceMs). */
  void stopAccepting(long graceMs) {
    context.runOnContext(v -> server.shutdown(graceMs, TimeUnit.MILLISECONDS));
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
