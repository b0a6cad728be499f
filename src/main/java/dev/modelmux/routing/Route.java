package dev.modelmux.routing;

import dev.modelmux.config.RouteConfig;
import dev.modelmux.metrics.RouteMeters;
import java.util.List;

/**
 * A resolved route: its configuration (how to walk it, what its secret guard does with plain requests), its ordered
 * tiers of interchangeable deployments, and its meters.
 */
public record Route(RouteConfig config, List<List<Deployment>> tiers, RouteMeters meters) {
  /** hedgeAfterMs meaning "after the deployment's recent p95 time to first token". */
  public static final long HEDGE_AUTO = RouteConfig.HEDGE_AUTO;

  public String name() {
    return config.name();
  }

  public RouteConfig.Order order() {
    return config.order();
  }

  public boolean degrade() {
    return config.degrade();
  }

  public long maxWaitMs() {
    return config.maxWaitMs();
  }

  public long hedgeAfterMs() {
    return config.hedgeAfterMs();
  }

  public boolean failoverOnContentFilter() {
    return config.failoverOnContentFilter();
  }

  public boolean continueOnFailure() {
    return config.continueOnFailure();
  }

  /** {@code off}, {@code redact} or {@code block}. */
  public String secretGuard() {
    return config.secretGuard();
  }
}
