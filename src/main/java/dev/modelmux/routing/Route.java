package dev.modelmux.routing;

import dev.modelmux.config.RouteConfig;
import dev.modelmux.metrics.RouteMeters;
import java.util.List;

/**
 * A resolved route: its name, its ordered tiers of interchangeable deployments, how to walk them, its meters, and
 * what its secret guard does with plain requests ({@code off}, {@code redact}, {@code block}).
 */
public record Route(String name, List<List<Deployment>> tiers, RouteConfig.Order order, boolean degrade, long maxWaitMs,
    long hedgeAfterMs, boolean failoverOnContentFilter, boolean continueOnFailure, RouteMeters meters, String secretGuard) {
  /** A route that does not scan plain requests for secrets. */
  public Route(String name, List<List<Deployment>> tiers, RouteConfig.Order order, boolean degrade, long maxWaitMs, long hedgeAfterMs,
      boolean failoverOnContentFilter, boolean continueOnFailure, RouteMeters meters) {
    this(name, tiers, order, degrade, maxWaitMs, hedgeAfterMs, failoverOnContentFilter, continueOnFailure, meters, "off");
  }

  /** hedgeAfterMs meaning "after the deployment's recent p95 time to first token". */
  public static final long HEDGE_AUTO = RouteConfig.HEDGE_AUTO;
}
