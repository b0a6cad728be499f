package dev.modelmux.routing;

import dev.modelmux.config.RouteConfig;
import dev.modelmux.metrics.RouteMeters;
import java.util.List;

/** A resolved route: its name, its ordered tiers of interchangeable deployments, how to walk them, and its meters. */
public record Route(String name, List<List<Deployment>> tiers, RouteConfig.Order order, boolean degrade, long maxWaitMs,
    long hedgeAfterMs, boolean failoverOnContentFilter, boolean continueOnFailure, RouteMeters meters) {
  /** hedgeAfterMs meaning "after the deployment's recent p95 time to first token". */
  public static final long HEDGE_AUTO = RouteConfig.HEDGE_AUTO;
}
