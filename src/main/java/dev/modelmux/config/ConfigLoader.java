package dev.modelmux.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.function.Function;

/** Reads the YAML configuration into typed records, validating every field once, at start-up. */
public final class ConfigLoader {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private static final Set<String> CORE_SECTIONS = Set.of("server", "redis", "resilience", "deployments", "routes", "auth", "prompts");

  private final Function<String, String> environment;
  private final Map<String, BiFunction<ConfigNode, SectionContext, ?>> sections = new LinkedHashMap<>();

  /**
   * What a section's parser may need besides its node.
   *
   * @param folder what relative paths are resolved against (the config file's folder)
   * @param environment looks up secrets by variable name
   */
  public record SectionContext(Path folder, Function<String, String> environment) {}

  /** @param environment looks up provider keys by variable name (System::getenv in production) */
  public ConfigLoader(Function<String, String> environment) {
    this.environment = environment;
  }

  /**
   * Accepts a top-level section that another package owns (the emulator's, say): {@code parser} validates it at
   * load time like every other field, and {@link GatewayConfig#section} hands back what it returned.
   */
  public ConfigLoader section(String name, Function<ConfigNode, ?> parser) {
    sections.put(name, (node, context) -> parser.apply(node));
    return this;
  }

  /** As {@link #section(String, Function)}, for a parser that resolves paths or reads secrets. */
  public ConfigLoader section(String name, BiFunction<ConfigNode, SectionContext, ?> parser) {
    sections.put(name, parser);
    return this;
  }

  public GatewayConfig load(Path file) {
    String yaml;
    try {
      yaml = Files.readString(file);
    } catch (IOException e) {
      throw new ConfigException("config", "cannot read " + file + ": " + e.getMessage());
    }
    Path folder = file.toAbsolutePath().getParent();
    return parse(yaml, folder != null ? folder : Path.of("").toAbsolutePath());
  }

  /**
   * Only the section {@code name} of {@code file}, parsed by its registered parser (empty when the file has none);
   * the rest of the file is neither read nor validated, so its keys need not be in the environment. For a command that
   * needs one section (the emulator's).
   */
  public <T> Optional<T> loadSection(Path file, String name, Class<T> type) {
    String yaml;
    try {
      yaml = Files.readString(file);
    } catch (IOException e) {
      throw new ConfigException("config", "cannot read " + file + ": " + e.getMessage());
    }
    ConfigNode root = new ConfigNode(mapping(yaml), "");
    if (!root.has(name)) {
      return Optional.empty();
    }
    Path folder = file.toAbsolutePath().getParent();
    return Optional.of(type.cast(sections.get(name).apply(root.object(name), new SectionContext(folder, environment))));
  }

  /** The YAML text's top-level mapping, or a ConfigException saying why it is not one. */
  private static JsonNode mapping(String yaml) {
    JsonNode tree;
    try {
      tree = YAML.readTree(yaml);
    } catch (IOException e) {
      throw new ConfigException("config", "not valid YAML: " + e.getMessage());
    }
    if (tree == null || !tree.isObject()) {
      throw new ConfigException("config", "must be a YAML mapping");
    }
    return tree;
  }

  /** A config given as text: relative paths in it are resolved against the working directory. */
  public GatewayConfig parse(String yaml) {
    return parse(yaml, Path.of("").toAbsolutePath());
  }

  /** @param folder what relative paths in the config (the prompt repository's) are resolved against */
  public GatewayConfig parse(String yaml, Path folder) {
    JsonNode tree = mapping(yaml);
    Set<String> known = new HashSet<>(CORE_SECTIONS);
    known.addAll(sections.keySet());
    ConfigNode root = new ConfigNode(tree, "").allowOnly(known);
    ServerConfig server = ServerSection.read(root.optionalObject("server"), environment);
    Optional<RedisConfig> redis = root.has("redis") ? Optional.of(RedisSection.read(root.object("redis"))) : Optional.empty();
    Map<String, Object> extra = new LinkedHashMap<>();
    sections.forEach((name, parser) -> {
      if (root.has(name)) {
        extra.put(name, parser.apply(root.object(name), new SectionContext(folder, environment)));
      }
    });
    ResilienceConfig resilience = resilience(root.optionalObject("resilience"));
    List<DeploymentConfig> deployments = DeploymentSection.read(root, environment);
    List<RouteConfig> routes = RouteSection.read(root, deployments);
    Optional<AuthConfig> auth = root.has("auth")
        ? Optional.of(AuthSection.read(root.object("auth"), routes, deployments, environment)) : Optional.empty();
    Optional<PromptsConfig> prompts = prompts(root, folder);
    return new GatewayConfig(server, redis, resilience, deployments, routes, auth, prompts, Map.copyOf(extra));
  }

  /** The {@code prompts} section, or without one a {@code prompts/} folder beside the config when there is one. */
  private static Optional<PromptsConfig> prompts(ConfigNode root, Path folder) {
    if (!root.has("prompts")) {
      Path beside = folder.resolve("prompts");
      return Files.isDirectory(beside) ? Optional.of(new PromptsConfig(beside, PromptsConfig.DEFAULT_POLL_MS)) : Optional.empty();
    }
    ConfigNode node = root.object("prompts").allowOnly(Set.of("dir", "poll_ms"));
    Path dir = folder.resolve(node.string("dir", "prompts")).normalize();
    if (!Files.isDirectory(dir)) {
      throw new ConfigException(node.field("dir"), "no such folder: " + dir);
    }
    return Optional.of(new PromptsConfig(dir, node.number("poll_ms", PromptsConfig.DEFAULT_POLL_MS, 50, 60_000)));
  }

  private static ResilienceConfig resilience(ConfigNode node) {
    node.allowOnly(Set.of("breaker_failures", "breaker_reset_ms", "breaker_reset_max_ms", "retry_backoff_ms", "quota_pause_ms",
        "max_provider_pause_ms", "deadline_multiple", "deadline_floor_ms", "deadline_cap_ms",
        "deadline_idle_cap_ms"));
    ResilienceConfig d = ResilienceConfig.DEFAULT;
    long firstProbeMs = node.number("breaker_reset_ms", d.breakerResetMs(), 100, 3_600_000);
    long maxProbeMs = node.number("breaker_reset_max_ms", Math.max(d.breakerResetMaxMs(), firstProbeMs), 100, 3_600_000);
    if (maxProbeMs < firstProbeMs) {
      throw new ConfigException(node.field("breaker_reset_max_ms"), "must be at least breaker_reset_ms (" + firstProbeMs + ")");
    }
    return new ResilienceConfig(
        (int) node.number("breaker_failures", d.breakerFailures(), 1, 1000),
        firstProbeMs,
        maxProbeMs,
        node.number("retry_backoff_ms", d.retryBackoffMs(), 0, 60_000),
        node.number("quota_pause_ms", d.quotaPauseMs(), 1000, 7L * 24 * 3_600_000),
        node.number("max_provider_pause_ms", d.maxProviderPauseMs(), 1000, 900_000),
        deadlineLearning(node));
  }

  private static DeadlineLearning deadlineLearning(ConfigNode node) {
    DeadlineLearning d = DeadlineLearning.DEFAULT;
    int multiple = (int) node.number("deadline_multiple", d.multiple(), 1, 100);
    long floor = node.number("deadline_floor_ms", d.floorMs(), 100, 3_600_000);
    long cap = node.number("deadline_cap_ms", d.capMs(), 100, 3_600_000);
    if (cap < floor) {
      throw new ConfigException(node.field("deadline_cap_ms"), "must be at least deadline_floor_ms (" + floor + "), was " + cap);
    }
    long idleCap = node.number("deadline_idle_cap_ms", Math.max(floor, d.idleCapMs()), 100, 3_600_000);
    if (idleCap < floor) {
      throw new ConfigException(node.field("deadline_idle_cap_ms"), "must be at least deadline_floor_ms (" + floor + "), was " + idleCap);
    }
    return new DeadlineLearning(multiple, floor, cap, idleCap);
  }

}
