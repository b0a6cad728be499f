package dev.modelmux.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Reads the {@code routes} list: each route's tiers of deployments and how it walks them. */
final class RouteSection {
  private RouteSection() {}

  static List<RouteConfig> read(ConfigNode root, List<DeploymentConfig> deployments) {
    Set<String> ids = new HashSet<>();
    deployments.forEach(d -> ids.add(d.id()));
    Set<String> names = new HashSet<>();
    List<RouteConfig> routes = new ArrayList<>();
    for (ConfigNode r : root.list("routes")) {
      r.allowOnly(Set.of("name", "tiers", "order", "degrade", "max_wait_ms", "hedge_after_ms", "failover_on_content_filter",
          "continue_on_failure", "guard"));
      String name = r.string("name");
      if (!names.add(name)) {
        throw new ConfigException(r.field("name"), "duplicate route '" + name + "'");
      }
      List<ConfigNode> tierNodes = r.list("tiers");
      if (tierNodes.isEmpty()) {
        throw new ConfigException(r.field("tiers"), "at least one tier is required");
      }
      List<List<String>> tiers = new ArrayList<>();
      for (ConfigNode tier : tierNodes) {
        List<String> members = tier.isList() ? tier.asStringList() : List.of(tier.asString());
        if (members.isEmpty()) {
          throw new ConfigException(tier.path(), "a tier needs at least one deployment");
        }
        for (int i = 0; i < members.size(); i++) {
          if (!ids.contains(members.get(i))) {
            throw new ConfigException(tier.path() + "[" + i + "]", "unknown deployment '" + members.get(i) + "'");
          }
        }
        tiers.add(List.copyOf(members));
      }
      routes.add(new RouteConfig(name, List.copyOf(tiers),
          r.choice("order", RouteConfig.Order.TIERS, v -> RouteConfig.Order.valueOf(v.toUpperCase(Locale.ROOT)), "tiers, cost"),
          r.bool("degrade", true),
          r.number("max_wait_ms", 0, 0, 600_000),
          hedgeAfter(r),
          r.bool("failover_on_content_filter", false),
          r.bool("continue_on_failure", true),
          secretGuard(r)));
    }
    return List.copyOf(routes);
  }

  /** A number of milliseconds, or "auto" for the deployment's recent p95 time to first token. */
  private static long hedgeAfter(ConfigNode route) {
    if (route.has("hedge_after_ms") && route.raw().get("hedge_after_ms").isTextual()) {
      if (!route.string("hedge_after_ms").equals("auto")) {
        throw new ConfigException(route.field("hedge_after_ms"), "must be a number of milliseconds or \"auto\"");
      }
      return RouteConfig.HEDGE_AUTO;
    }
    return route.number("hedge_after_ms", 0, 0, 600_000);
  }

  private static String secretGuard(ConfigNode route) {
    ConfigNode guard = route.optionalObject("guard").allowOnly(Set.of("secrets"));
    String mode = guard.string("secrets", "off");
    if (!RouteConfig.SECRET_GUARDS.contains(mode)) {
      throw new ConfigException(guard.field("secrets"), "must be redact, block or off");
    }
    return mode;
  }
}
