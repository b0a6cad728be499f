package dev.modelmux.prompts;

import dev.modelmux.prompts.guard.GuardMode;
import java.util.List;

/**
 * A task of the prompt repository: the route it runs on, the variables its templates take, its secret guard and its
 * variants (one per model family).
 */
public record Task(String name, String route, String description, List<VariableSpec> variables, GuardMode guard,
    List<Variant> variants) {

  /**
   * The variant for a deployment of {@code family}: the longest matching prefix (on a tie, the variant that serves
   * fewer families is the more specific), else the default one, else null.
   */
  public Variant variantFor(String family) {
    Variant best = null;
    int bestLength = -1;
    for (Variant v : variants) {
      int length = v.matchLength(family);
      if (length > bestLength || length == bestLength && length >= 0 && v.match().size() < best.match().size()) {
        best = v;
        bestLength = length;
      }
    }
    if (best != null) {
      return best;
    }
    return variants.stream().filter(Variant::isDefault).findFirst().orElse(null);
  }

  public Variant variant(String name) {
    return variants.stream().filter(v -> v.name().equals(name)).findFirst().orElse(null);
  }
}
