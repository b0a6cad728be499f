package dev.modelmux.server.admin;

import dev.modelmux.breaker.Breakers;
import dev.modelmux.budget.BudgetStore;
import dev.modelmux.core.ErrorKind;
import dev.modelmux.core.GatewayError;
import dev.modelmux.routing.LearnedDeadlines;
import dev.modelmux.routing.RouteTable;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Locale;

/**
 * {@code GET /admin/deployments}: each deployment's limits, headroom, leases, in-flight requests, pause and recent
 * latency, as the budget store sees them, and the deadlines it learnt from that latency.
 */
final class DeploymentsEndpoint implements Handler<RoutingContext> {
  private final RouteTable routes;
  private final BudgetStore budgets;
  private final Breakers breakers;

  DeploymentsEndpoint(RouteTable routes, BudgetStore budgets, Breakers breakers) {
    this.routes = routes;
    this.budgets = budgets;
    this.breakers = breakers;
  }

  /**
   * The first-token and idle deadlines a streamed attempt with somewhere to fail over to gets now, whether each is
   * configured, learned, still the warm start or backed off after a cut, the p99s they follow and the back-offs.
   */
  private static JsonObject withDeadlines(JsonObject row, LearnedDeadlines learned) {
    long firstTokenMs = learned.firstTokenMs();
    long idleMs = learned.idleMs();
    return row
        .put("first_token_deadline_ms", firstTokenMs)
        .put("first_token_deadline_source", source(learned.firstTokenConfigured(), learned.ttftMeasured(),
            learned.firstTokenBackoffMs() >= firstTokenMs))
        .put("ttft_p99_ms", learned.ttftP99Ms())
        .put("first_token_backoff_ms", learned.firstTokenBackoffMs())
        .put("idle_deadline_ms", idleMs)
        .put("idle_deadline_source", source(learned.idleConfigured(), learned.gapMeasured(), learned.idleBackoffMs() >= idleMs))
        .put("gap_p99_ms", learned.gapP99Ms())
        .put("idle_backoff_ms", learned.idleBackoffMs());
  }

  private static String source(boolean configured, boolean measured, boolean backedOff) {
    return configured ? "configured" : backedOff ? "backed_off" : measured ? "learned" : "warm_start";
  }

  @Override
  public void handle(RoutingContext ctx) {
    List<Future<JsonObject>> rows = routes.deployments().stream()
        .map(d -> budgets.headroom(d.id(), d.limits()).map(h -> withDeadlines(new JsonObject()
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
            .put("breaker", breakers.state(d.id()).name().toLowerCase(Locale.ROOT))
            .put("ttft_ms_ewma", Math.round(d.state().ttftMs())), d.deadlines())))
        .toList();
    Future.all(rows).onComplete(all -> {
      if (all.failed()) {
        AdminRoutes.error(ctx, GatewayError.of(503, ErrorKind.OVERLOADED, "Budgets are unavailable: " + all.cause().getMessage()));
        return;
      }
      JsonArray data = new JsonArray();
      rows.forEach(row -> data.add(row.result()));
      ctx.json(new JsonObject().put("budgets", budgets.status()).put("deployments", data));
    });
  }
}
