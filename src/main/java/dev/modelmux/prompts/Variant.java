package dev.modelmux.prompts;

import dev.modelmux.prompts.post.PostPipeline;
import dev.modelmux.spi.AnswerFilter;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Locale;

/**
 * One task's prompt for some model families: its messages, the parameters it was tuned with, and how its answers are
 * post-processed. Its version is a short hash of its file, so any edit is a new version.
 *
 * @param match model-name prefixes (or deployments' {@code family:} values) it serves; {@code default} serves any family
 *     that has no variant of its own
 */
public record Variant(String task, String name, List<String> match, List<MessageTemplate> messages, JsonObject params,
    PostPipeline post, String version, String file) {
  public static final String DEFAULT = "default";

  /** task/variant@version, as the x-modelmux-prompt header reports it. */
  public String label() {
    return task + "/" + name + "@" + version;
  }

  /** A fresh post-processing chain for one answer (NONE when the variant has no post-processors). */
  public AnswerFilter newFilter() {
    return PostFilter.of(this);
  }

  public boolean isDefault() {
    return match.contains(DEFAULT);
  }

  /** The length of the longest prefix in {@code match} that {@code family} starts with, or -1 when none does. */
  int matchLength(String family) {
    String lower = family.toLowerCase(Locale.ROOT);
    int best = -1;
    for (String prefix : match) {
      if (!prefix.equals(DEFAULT) && lower.startsWith(prefix.toLowerCase(Locale.ROOT))) {
        best = Math.max(best, prefix.length());
      }
    }
    return best;
  }
}
