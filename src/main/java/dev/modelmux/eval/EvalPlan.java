package dev.modelmux.eval;

import dev.modelmux.config.DeploymentConfig;
import dev.modelmux.config.GatewayConfig;
import dev.modelmux.config.RouteConfig;
import dev.modelmux.prompts.Catalog;
import dev.modelmux.prompts.Task;
import dev.modelmux.prompts.Variant;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * What {@code eval} runs: for each task, each model family its route has a deployment of, the variant that family
 * is sent and the task's cases. Families without a variant (and no default) are skipped, as the gateway skips them.
 */
public final class EvalPlan {
  private EvalPlan() {}

  /**
   * @param tasks task names to run (empty: all)
   * @param families family prefixes to run (empty: all); a family runs when it starts with one
   */
  public static List<EvalTarget> targets(GatewayConfig config, Catalog catalog, Path promptsDir, Set<String> tasks, List<String> families) {
    Map<String, DeploymentConfig> deployments = config.deployments().stream()
        .collect(Collectors.toMap(DeploymentConfig::id, Function.identity()));
    List<EvalTarget> targets = new ArrayList<>();
    for (Task task : catalog.tasks().values()) {
      if (!tasks.isEmpty() && !tasks.contains(task.name())) {
        continue;
      }
      List<EvalCase> cases = EvalCases.load(promptsDir.resolve(task.name()), task.name());
      for (String family : familiesOf(config, task.route(), deployments)) {
        Variant variant = task.variantFor(family);
        if (variant != null && wanted(family, families)) {
          targets.add(new EvalTarget(task, variant, family, cases));
        }
      }
    }
    return targets;
  }

  private static Set<String> familiesOf(GatewayConfig config, String route, Map<String, DeploymentConfig> deployments) {
    Set<String> families = new LinkedHashSet<>();
    config.routes().stream().filter(r -> r.name().equals(route)).map(RouteConfig::tiers).flatMap(List::stream).flatMap(List::stream)
        .map(deployments::get).filter(Objects::nonNull).forEach(d -> families.add(d.family().toLowerCase(Locale.ROOT)));
    return families;
  }

  private static boolean wanted(String family, List<String> families) {
    return families.isEmpty() || families.stream().anyMatch(f -> family.startsWith(f.toLowerCase(Locale.ROOT)));
  }
}
