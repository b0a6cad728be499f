package dev.modelmux.routing;

import dev.modelmux.config.DeploymentConfig;
import dev.modelmux.config.GatewayConfig;
import dev.modelmux.config.RouteConfig;
import dev.modelmux.provider.Providers;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/** Resolves what a client names in "model" to a route, and orders a route's deployments for one request. */
public final class RouteTable {
  private final Map<String, Route> routes = new LinkedHashMap<>();
  private final AtomicInteger rotation = new AtomicInteger();

  public RouteTable(GatewayConfig config) {
    Map<String, Deployment> byId = new LinkedHashMap<>();
    for (DeploymentConfig d : config.deployments()) {
      byId.put(d.id(), new Deployment(d, Providers.of(d.provider())));
    }
    for (RouteConfig r : config.routes()) {
      List<List<Deployment>> tiers = new ArrayList<>();
      for (List<String> tier : r.tiers()) {
        tiers.add(tier.stream().map(byId::get).toList());
      }
      routes.put(r.name(), new Route(r.name(), List.copyOf(tiers)));
    }
    // A model name no route claims is served by every deployment of that model, as one tier.
    Map<String, List<Deployment>> byModel = new LinkedHashMap<>();
    byId.values().forEach(d -> byModel.computeIfAbsent(d.config().model(), m -> new ArrayList<>()).add(d));
    byModel.forEach((model, deployments) -> routes.putIfAbsent(model, new Route(model, List.of(List.copyOf(deployments)))));
  }

  public Optional<Route> resolve(String model) {
    return Optional.ofNullable(routes.get(model));
  }

  /** Every name a client may put in "model". */
  public List<String> names() {
    return List.copyOf(new LinkedHashSet<>(routes.keySet()));
  }

  /** Candidates for one request: tiers in order; within a tier, rotated so load spreads across accounts. */
  public List<Deployment> candidates(Route route) {
    int turn = rotation.getAndIncrement() & Integer.MAX_VALUE;
    List<Deployment> ordered = new ArrayList<>();
    for (List<Deployment> tier : route.tiers()) {
      int size = tier.size();
      for (int i = 0; i < size; i++) {
        ordered.add(tier.get((turn + i) % size));
      }
    }
    return ordered;
  }
}
