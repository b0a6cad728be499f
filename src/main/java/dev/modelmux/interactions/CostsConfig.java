package dev.modelmux.interactions;

import dev.modelmux.config.ConfigException;
import dev.modelmux.config.ConfigNode;
import java.util.Set;

/**
 * The {@code costs:} section, for the build-vs-buy view: what running models yourself would cost per day (a GPU
 * machine, say 340 for four GPUs), times the replicas needed for availability.
 */
public record CostsConfig(double selfHostedPerDay, int replicas) {
  public static final String SECTION = "costs";

  public static CostsConfig parse(ConfigNode node) {
    node.allowOnly(Set.of("self_hosted_per_day", "replicas"));
    double perDay = node.decimal("self_hosted_per_day", 0);
    if (perDay < 0) {
      throw new ConfigException(node.field("self_hosted_per_day"), "must be 0 or more");
    }
    return new CostsConfig(perDay, (int) node.number("replicas", 2, 1, 1000));
  }
}
