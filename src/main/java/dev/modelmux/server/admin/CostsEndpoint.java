package dev.modelmux.server.admin;

import dev.modelmux.core.ErrorKind;
import dev.modelmux.core.GatewayError;
import dev.modelmux.interactions.BuildVsBuy;
import dev.modelmux.interactions.CostGroup;
import dev.modelmux.interactions.CostRows;
import dev.modelmux.interactions.CostsConfig;
import dev.modelmux.interactions.InteractionLog;
import dev.modelmux.interactions.Since;
import dev.modelmux.routing.RouteTable;
import io.vertx.core.Handler;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.Optional;

/**
 * {@code GET /admin/costs?since=7d&group=route|deployment|task|key|day[&include=eval]}: requests, tokens and spend from
 * the log; eval traffic only with {@code include=eval}. Without a log, this replica's live counters.
 */
final class CostsEndpoint implements Handler<RoutingContext> {
  private final RouteTable routes;
  private final Optional<InteractionLog> interactions;
  private final Optional<CostsConfig> costs;

  CostsEndpoint(RouteTable routes, Optional<InteractionLog> interactions, Optional<CostsConfig> costs) {
    this.routes = routes;
    this.interactions = interactions;
    this.costs = costs;
  }

  @Override
  public void handle(RoutingContext ctx) {
    String groupName = ctx.request().getParam("group", "deployment");
    if (interactions.isEmpty()) {
      liveCosts(ctx, groupName);
      return;
    }
    InteractionLog log = interactions.get();
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
      AdminRoutes.error(ctx, GatewayError.invalid(e.getMessage(), null, null));
      return;
    }
    log.flush().compose(v -> log.store().costs(since, group, includeEval)).onComplete(rows -> {
      if (rows.failed()) {
        AdminRoutes.error(ctx, GatewayError.of(503, ErrorKind.OVERLOADED, "The interaction log is unavailable: " + rows.cause().getMessage()));
        return;
      }
      double total = rows.result().stream().mapToDouble(r -> ((JsonObject) r).getDouble("cost_usd")).sum();
      long requests = rows.result().stream().mapToLong(r -> ((JsonObject) r).getLong("requests")).sum();
      JsonObject answer = new JsonObject().put("since", Instant.ofEpochMilli(since).toString()).put("group", groupName)
          .put("include_eval", includeEval).put("total_usd", CostRows.usd(total)).put("requests", requests).put("rows", rows.result());
      costs.ifPresent(config -> answer.put("build_vs_buy", BuildVsBuy.of(config, requests, total, System.currentTimeMillis() - since)));
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
      AdminRoutes.error(ctx, GatewayError.invalid(e.getMessage(), null, null));
      return;
    }
    if (!groupName.equals("deployment")) {
      AdminRoutes.error(ctx, GatewayError.invalid("Without an interaction log, costs are this replica's live counters, by deployment only "
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
}
