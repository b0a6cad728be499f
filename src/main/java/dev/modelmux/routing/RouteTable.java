package dev.modelmux.routing;

import dev.modelmux.config.DeploymentConfig;
import dev.modelmux.config.GatewayConfig;
import dev.modelmux.config.RouteConfig;
import dev.modelmux.core.ErrorKind;
import dev.modelmux.metrics.GatewayMetrics;
import dev.modelmux.provider.Providers;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/** Resolves what a client names in "model" to a route, and orders a route's deployments for one request. */
public final class RouteTable {
  /** How an attempt can end: "ok" or the kind of its failure, as the attempts counter is tagged. */
  public static final List<String> ATTEMPT_OUTCOMES = outcomes();

  private final Map<String, Route> routes = new LinkedHashMap<>();
  private final AtomicInteger rotation = new AtomicInteger();
  private final List<Deployment> deployments;
  private final Map<String, Deployment> byId = new LinkedHashMap<>();

  public RouteTable(GatewayConfig config, GatewayMetrics metrics) {
    for (DeploymentConfig d : config.deployments()) {
      byId.put(d.id(), new Deployment(d, Providers.of(d.provider()), metrics.deployment(d.id(), ATTEMPT_OUTCOMES),
          config.resilience().deadlines()));
    }
    for (RouteConfig r : config.routes()) {
      List<List<Deployment>> tiers = new ArrayList<>();
      for (List<String> tier : r.tiers()) {
        tiers.add(tier.stream().map(byId::get).toList());
      }
      routes.put(r.name(), new Route(r, List.copyOf(tiers), metrics.route(r.name())));
    }
    // A model name no route claims is served by every deployment of that model, as one tier.
    Map<String, List<Deployment>> byModel = new LinkedHashMap<>();
    byId.values().forEach(d -> byModel.computeIfAbsent(d.config().model(), m -> new ArrayList<>()).add(d));
    byModel.forEach((model, deployments) -> {
      RouteConfig oneTier = RouteConfig.tiersOnly(model, List.of(deployments.stream().map(Deployment::id).toList()));
      routes.putIfAbsent(model, new Route(oneTier, List.of(List.copyOf(deployments)), metrics.route(model)));
    });
    this.deployments = List.copyOf(byId.values());
  }

  public List<Deployment> deployments() {
    return deployments;
  }

  public Deployment deployment(String id) {
    return byId.get(id);
  }

  public Optional<Route> resolve(String model) {
    return Optional.ofNullable(routes.get(model));
  }

  /** Every name a client may put in "model". */
  public List<String> names() {
    return List.copyOf(new LinkedHashSet<>(routes.keySet()));
  }

  /** A fresh rotation offset, so equal deployments of a tier take turns being first. */
  public int nextRotation() {
    return rotation.getAndIncrement() & Integer.MAX_VALUE;
  }


  private static List<String> outcomes() {
    List<String> outcomes = new ArrayList<>(List.of("ok", "client_gone", "client_stalled"));
    for (ErrorKind kind : ErrorKind.values()) {
      outcomes.add(kind.name().toLowerCase(Locale.ROOT));
    }
    return List.copyOf(outcomes);
  }
}
