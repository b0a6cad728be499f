package dev.modelmux.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.function.Function;

/** Reads the YAML configuration into typed records, validating every field once, at start-up. */
public final class ConfigLoader {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private static final Set<String> CORE_SECTIONS = Set.of("server", "redis", "resilience", "deployments", "routes", "auth", "prompts");

  private final Function<String, String> environment;
  private final Map<String, java.util.function.BiFunction<ConfigNode, SectionContext, ?>> sections = new LinkedHashMap<>();

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
  public ConfigLoader section(String name, java.util.function.BiFunction<ConfigNode, SectionContext, ?> parser) {
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
    ServerConfig server = server(root.optionalObject("server"));
    Optional<RedisConfig> redis = root.has("redis") ? Optional.of(redis(root.object("redis"))) : Optional.empty();
    Map<String, Object> extra = new LinkedHashMap<>();
    sections.forEach((name, parser) -> {
      if (root.has(name)) {
        extra.put(name, parser.apply(root.object(name), new SectionContext(folder, environment)));
      }
    });
    ResilienceConfig resilience = resilience(root.optionalObject("resilience"));
    List<DeploymentConfig> deployments = deployments(root);
    List<RouteConfig> routes = routes(root, deployments);
    Optional<AuthConfig> auth = root.has("auth") ? Optional.of(auth(root.object("auth"), routes, deployments)) : Optional.empty();
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

  private ServerConfig server(ConfigNode node) {
    node.allowOnly(Set.of("host", "port", "max_body_bytes", "instances", "client_stall_ms", "send_buffer_bytes",
        "header_timeout_ms", "idle_timeout_ms", "max_header_bytes", "max_line_bytes", "max_connections", "body_timeout_ms",
        "body_idle_ms", "max_body_bytes_in_flight", "drain_delay_ms", "drain_ms", "max_in_flight", "admin_port", "admin_host",
        "admin_host_env", "admin_allowed_hosts", "public_metrics"));
    int cores = Runtime.getRuntime().availableProcessors();
    if (node.has("admin_port") && node.number("admin_port", 0, 0, 65535) != 0
        && node.number("admin_port", 0, 0, 65535) == node.number("port", 8080, 0, 65535)) {
      throw new ConfigException(node.field("admin_port"), "must differ from server.port");
    }
    return new ServerConfig(
        node.string("host", "0.0.0.0"),
        (int) node.number("port", 8080, 0, 65535),
        node.number("max_body_bytes", 8L * 1024 * 1024, 1024, 1L << 31),
        (int) node.number("instances", cores, 1, 256),
        node.number("client_stall_ms", 30_000, 100, 3_600_000),
        (int) node.number("send_buffer_bytes", 0, 0, 64L * 1024 * 1024),
        frontDoor(node),
        node.number("drain_delay_ms", 5_000, 0, 600_000),
        node.number("drain_ms", 30_000, 0, 3_600_000),
        (int) node.number("max_in_flight", 10_000, 1, 10_000_000),
        admin(node));
  }

  /** The admin listener: its port, its address (or the variable that holds it: a pod's IP), its allowed Host names. */
  private AdminConfig admin(ConfigNode node) {
    String host = node.string("admin_host", "127.0.0.1");
    if (node.has("admin_host_env")) {
      if (node.has("admin_host")) {
        throw new ConfigException(node.field("admin_host_env"), "give admin_host or admin_host_env, not both");
      }
      host = environment.apply(node.string("admin_host_env"));
      if (host == null || host.isBlank()) {
        throw new ConfigException(node.field("admin_host_env"), "environment variable " + node.string("admin_host_env") + " is not set");
      }
    }
    List<String> allowedHosts = AdminConfig.LOOPBACK_HOSTS;
    if (node.has("admin_allowed_hosts")) {
      allowedHosts = node.stringList("admin_allowed_hosts").stream().map(h -> h.toLowerCase(Locale.ROOT)).toList();
      for (int i = 0; i < allowedHosts.size(); i++) {
        if (!allowedHosts.get(i).matches("[a-z0-9.-]+|\\[[0-9a-f:.]+]")) {
          throw new ConfigException(node.field("admin_allowed_hosts") + "[" + i + "]", "a host name or address without a port "
              + "(every port is allowed), e.g. localhost or [::1]");
        }
      }
    }
    return new AdminConfig(node.has("admin_port") ? (int) node.number("admin_port", 0, 0, 65535) : null, host,
        node.bool("public_metrics", false), allowedHosts);
  }

  private static FrontDoorConfig frontDoor(ConfigNode node) {
    FrontDoorConfig d = FrontDoorConfig.DEFAULT;
    return new FrontDoorConfig(
        node.number("header_timeout_ms", d.headerTimeoutMs(), 50, 600_000),
        node.number("idle_timeout_ms", d.idleTimeoutMs(), 50, 3_600_000),
        (int) node.number("max_header_bytes", d.maxHeaderBytes(), 1024, 1 << 20),
        (int) node.number("max_line_bytes", d.maxLineBytes(), 256, 1 << 20),
        (int) node.number("max_connections", d.maxConnections(), 1, 1_000_000),
        node.number("body_timeout_ms", d.bodyTimeoutMs(), 50, 3_600_000),
        node.number("body_idle_ms", d.bodyIdleMs(), 50, 3_600_000),
        node.number("max_body_bytes_in_flight", d.maxBodyBytesInFlight(), 1024, 1L << 40));
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

  private static ResilienceConfig resilience(ConfigNode node) {
    node.allowOnly(Set.of("breaker_failures", "breaker_reset_ms", "retry_backoff_ms", "quota_pause_ms", "max_provider_pause_ms"));
    ResilienceConfig d = ResilienceConfig.DEFAULT;
    return new ResilienceConfig(
        (int) node.number("breaker_failures", d.breakerFailures(), 1, 1000),
        node.number("breaker_reset_ms", d.breakerResetMs(), 100, 3_600_000),
        node.number("retry_backoff_ms", d.retryBackoffMs(), 0, 60_000),
        node.number("quota_pause_ms", d.quotaPauseMs(), 1000, 7L * 24 * 3_600_000),
        node.number("max_provider_pause_ms", d.maxProviderPauseMs(), 1000, 900_000));
  }

  private static RedisConfig redis(ConfigNode node) {
    node.allowOnly(Set.of("type", "url", "endpoints", "master_name", "timeout_ms", "connect_timeout_ms", "local_share",
        "failures_to_down", "on_unavailable", "lease_ms", "unavailable_after_ms"));
    RedisConfig.Type type = node.choice("type", RedisConfig.Type.STANDALONE, v -> RedisConfig.Type.valueOf(v.toUpperCase(Locale.ROOT)),
        "standalone, cluster, sentinel");
    List<URI> endpoints = new ArrayList<>();
    if (node.has("url")) {
      endpoints.add(node.url("url"));
    }
    for (ConfigNode e : node.list("endpoints")) {
      endpoints.add(e.asUrl());
    }
    if (endpoints.isEmpty()) {
      throw new ConfigException(node.field("url"), "required (or endpoints)");
    }
    if (node.has("url") && node.has("endpoints")) {
      throw new ConfigException(node.field("url"), "give url (one standalone server) or endpoints, not both");
    }
    String masterName = node.has("master_name") ? node.string("master_name") : null;
    if (type == RedisConfig.Type.SENTINEL && masterName == null) {
      throw new ConfigException(node.field("master_name"), "required with type: sentinel");
    }
    OptionalDouble share = OptionalDouble.empty();
    if (node.has("local_share")) {
      double s = node.decimal("local_share", 1);
      if (s <= 0 || s > 1) {
        throw new ConfigException(node.field("local_share"), "must be in (0, 1], was " + s);
      }
      share = OptionalDouble.of(s);
    }
    RedisConfig.OnUnavailable onUnavailable = node.choice("on_unavailable", RedisConfig.OnUnavailable.LOCAL_SHARE,
        v -> RedisConfig.OnUnavailable.valueOf(v.toUpperCase(Locale.ROOT)), "local_share, fail_closed");
    return new RedisConfig(type, endpoints, masterName,
        node.number("timeout_ms", RedisConfig.DEFAULT_TIMEOUT_MS, 1, 60_000),
        node.number("connect_timeout_ms", RedisConfig.DEFAULT_CONNECT_TIMEOUT_MS, 1, 120_000),
        share,
        (int) node.number("failures_to_down", RedisConfig.DEFAULT_FAILURES_TO_DOWN, 1, 1000),
        onUnavailable,
        node.number("lease_ms", RedisConfig.DEFAULT_LEASE_MS, 2_000, 30_000),
        node.number("unavailable_after_ms", RedisConfig.DEFAULT_UNAVAILABLE_AFTER_MS, 100, 600_000));
  }

  private List<DeploymentConfig> deployments(ConfigNode root) {
    List<ConfigNode> nodes = root.list("deployments");
    if (nodes.isEmpty()) {
      throw new ConfigException("deployments", "at least one deployment is required");
    }
    Map<String, DeploymentConfig> byId = new LinkedHashMap<>();
    for (ConfigNode d : nodes) {
      DeploymentConfig deployment = deployment(d);
      if (byId.putIfAbsent(deployment.id(), deployment) != null) {
        throw new ConfigException(d.field("id"), "duplicate deployment id '" + deployment.id() + "'");
      }
    }
    return List.copyOf(byId.values());
  }

  private DeploymentConfig deployment(ConfigNode d) {
    d.allowOnly(Set.of("id", "provider", "base_url", "api_key_env", "emulator_account", "model", "context_window", "max_output_tokens",
        "default_max_tokens", "api_version", "limits", "price", "timeouts", "max_answer_bytes", "max_error_bytes", "pool", "family"));
    String id = d.string("id");
    ProviderKind provider = d.choice("provider", null, ProviderKind::parse, "openai, azure, anthropic");
    if (provider == null) {
      throw new ConfigException(d.field("provider"), "missing");
    }
    URI baseUrl = d.url("base_url");
    String keyEnv = d.has("api_key_env") ? d.string("api_key_env") : null;
    String key = providerKey(d, id, baseUrl, keyEnv);
    int window = (int) d.requiredNumber("context_window", 16, 100_000_000);
    ConfigNode limits = d.object("limits").allowOnly(Set.of("tpm", "rpm"));
    ConfigNode price = d.optionalObject("price").allowOnly(Set.of("input_per_mtok", "output_per_mtok"));
    ConfigNode timeouts = d.optionalObject("timeouts").allowOnly(Set.of("connect_ms", "first_token_ms", "idle_ms", "total_ms"));
    Timeouts t = Timeouts.DEFAULT;
    ConfigNode pool = d.optionalObject("pool").allowOnly(Set.of("max_connections", "max_wait_queue", "max_wait_ms"));
    PoolConfig p = PoolConfig.DEFAULT;
    // Anthropic caps output separately from the window (4,096 on the Claude 2 generation); OpenAI's older models share it.
    int maxOutput = (int) d.number("max_output_tokens", provider == ProviderKind.ANTHROPIC ? Math.min(4096, window) : window, 1, window);
    return new DeploymentConfig(
        id,
        provider,
        baseUrl,
        keyEnv,
        new Secret(key),
        d.string("model"),
        window,
        maxOutput,
        (int) d.number("default_max_tokens", Math.min(4096, maxOutput), 1, maxOutput),
        d.has("api_version") ? d.string("api_version") : null,
        new Limits(limits.requiredNumber("tpm", 1, Long.MAX_VALUE), limits.requiredNumber("rpm", 1, Long.MAX_VALUE)),
        new Price(price.decimal("input_per_mtok", 0), price.decimal("output_per_mtok", 0)),
        new Timeouts(
            timeouts.number("connect_ms", t.connectMs(), 1, 600_000),
            timeouts.number("first_token_ms", t.firstTokenMs(), 1, 3_600_000),
            timeouts.number("idle_ms", t.idleMs(), 1, 3_600_000),
            timeouts.number("total_ms", t.totalMs(), 1, 86_400_000)),
        new BodyLimits(
            d.number("max_answer_bytes", BodyLimits.DEFAULT.answerBytes(), 1024, 1L << 30),
            d.number("max_error_bytes", BodyLimits.DEFAULT.errorBytes(), 256, 16L * 1024 * 1024)),
        new PoolConfig(
            (int) pool.number("max_connections", p.maxConnections(), 1, 1_000_000),
            (int) pool.number("max_wait_queue", p.maxWaitQueue(), 0, 1_000_000),
            pool.number("max_wait_ms", p.maxWaitMs(), 1, 600_000)),
        d.has("family") ? d.string("family") : d.string("model"));
  }

  /**
   * The deployment's key: from the environment variable api_key_env names, or, for the built-in emulator (which takes any
   * key) on a loopback base_url, the placeholder {@code emulator-account-NAME} of {@code emulator_account: NAME} (the
   * emulator keeps each key's rate limits apart, so two accounts get two names). No key is ever written in the config.
   */
  private String providerKey(ConfigNode d, String id, URI baseUrl, String keyEnv) {
    String deployment = "deployment " + id + ": ";
    if (d.has("emulator_account")) {
      String account = d.string("emulator_account");
      if (keyEnv != null) {
        throw new ConfigException(d.field("emulator_account"), deployment + "give api_key_env or emulator_account, not both");
      }
      if (!isLoopback(baseUrl)) {
        throw new ConfigException(d.field("emulator_account"), deployment + "only for the emulator on a loopback base_url "
            + "(127.0.0.1, localhost, [::1]); a real provider's key comes from api_key_env");
      }
      if (!account.matches("[A-Za-z0-9_-]{1,64}")) {
        throw new ConfigException(d.field("emulator_account"), deployment + "letters, digits, '-' and '_' only (at most 64)");
      }
      return EMULATOR_KEY_PREFIX + account;
    }
    if (keyEnv == null) {
      throw new ConfigException(d.field("api_key_env"), deployment + "missing (the environment variable holding the provider key; "
          + "emulator_account: NAME for the built-in emulator)");
    }
    String key = environment.apply(keyEnv);
    if (key == null || key.isBlank()) {
      throw new ConfigException(d.field("api_key_env"), deployment + "environment variable " + keyEnv + " is not set; export "
          + keyEnv + "=<the provider key> before starting");
    }
    return key;
  }

  /** The placeholder key a deployment with {@code emulator_account} sends. */
  public static final String EMULATOR_KEY_PREFIX = "emulator-account-";

  private static boolean isLoopback(URI url) {
    return Loopback.isLoopback(url.getHost());
  }

  private AuthConfig auth(ConfigNode node, List<RouteConfig> routes, List<DeploymentConfig> deployments) {
    node.allowOnly(Set.of("mode", "keys"));
    if (!node.has("mode")) {
      throw new ConfigException(node.field("mode"), "missing (keys or none)");
    }
    AuthConfig.Mode mode = node.choice("mode", null, v -> AuthConfig.Mode.valueOf(v.toUpperCase(Locale.ROOT)), "keys, none");
    List<ConfigNode> keyNodes = node.list("keys");
    if (keyNodes.isEmpty() && mode == AuthConfig.Mode.KEYS) {
      throw new ConfigException(node.field("keys"), "mode: keys needs at least one key");
    }
    Set<String> routeNames = new HashSet<>();
    routes.forEach(r -> routeNames.add(r.name()));
    deployments.forEach(d -> routeNames.add(d.model())); // a deployment's model name is a route of its own
    Set<String> ids = new HashSet<>();
    List<AuthConfig.ClientKey> keys = new ArrayList<>();
    for (ConfigNode k : keyNodes) {
      k.allowOnly(Set.of("id", "key_sha256", "key_env", "routes", "limits", "admin"));
      String id = k.string("id");
      boolean admin = k.bool("admin", false);
      if (mode == AuthConfig.Mode.NONE && !admin) {
        throw new ConfigException(k.field("admin"), "mode: none serves every client without a key; it lists operator keys only "
            + "(admin: true), or use mode: keys");
      }
      if (!ids.add(id)) {
        throw new ConfigException(k.field("id"), "duplicate key id '" + id + "'");
      }
      byte[] digest;
      if (k.has("key_sha256") == k.has("key_env")) {
        throw new ConfigException(k.field("key_sha256"), "give exactly one of key_sha256 (hex SHA-256 of the key) or key_env");
      } else if (k.has("key_sha256")) {
        digest = hexSha256(k.string("key_sha256"), k.field("key_sha256"));
      } else {
        String env = k.string("key_env");
        String value = environment.apply(env);
        if (value == null || value.isBlank()) {
          throw new ConfigException(k.field("key_env"), "environment variable " + env + " is not set");
        }
        digest = AuthConfig.sha256(value);
      }
      List<String> allowed = k.stringList("routes");
      for (int i = 0; i < allowed.size(); i++) {
        if (!routeNames.contains(allowed.get(i))) {
          throw new ConfigException(k.field("routes") + "[" + i + "]", "unknown route '" + allowed.get(i) + "'");
        }
      }
      if (k.has("routes") && allowed.isEmpty()) {
        throw new ConfigException(k.field("routes"), "an empty allowlist would refuse everything; omit routes to allow every route");
      }
      Limits limits = null;
      if (k.has("limits")) {
        ConfigNode l = k.object("limits").allowOnly(Set.of("tpm", "rpm"));
        limits = new Limits(l.number("tpm", Long.MAX_VALUE / 4, 1, Long.MAX_VALUE), l.number("rpm", Long.MAX_VALUE / 4, 1, Long.MAX_VALUE));
      }
      keys.add(new AuthConfig.ClientKey(id, digest, Set.copyOf(allowed), limits, admin));
    }
    for (int i = 0; i < keys.size(); i++) {
      for (int j = 0; j < i; j++) {
        if (keys.get(i).matches(keys.get(j).sha256())) {
          throw new ConfigException(keyNodes.get(i).field("id"), "key '" + keys.get(i).id() + "' is the same key as '" + keys.get(j).id() + "'");
        }
      }
    }
    return new AuthConfig(mode, keys);
  }

  /** 64 hex digits; the value itself is never echoed, since a hash of a short key is as good as the key. */
  private static byte[] hexSha256(String hex, String field) {
    if (!hex.matches("[0-9a-fA-F]{64}")) {
      throw new ConfigException(field, "must be 64 hex digits (the SHA-256 of the key, e.g. printf %s \"$KEY\" | sha256sum)");
    }
    return java.util.HexFormat.of().parseHex(hex);
  }

  private static String secretGuard(ConfigNode route) {
    ConfigNode guard = route.optionalObject("guard").allowOnly(Set.of("secrets"));
    String mode = guard.string("secrets", "off");
    if (!RouteConfig.SECRET_GUARDS.contains(mode)) {
      throw new ConfigException(guard.field("secrets"), "must be redact, block or off");
    }
    return mode;
  }

  private static List<RouteConfig> routes(ConfigNode root, List<DeploymentConfig> deployments) {
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
          r.choice("order", RouteConfig.Order.TIERS, v -> RouteConfig.Order.valueOf(v.toUpperCase(java.util.Locale.ROOT)), "tiers, cost"),
          r.bool("degrade", true),
          r.number("max_wait_ms", 0, 0, 600_000),
          hedgeAfter(r),
          r.bool("failover_on_content_filter", false),
          r.bool("continue_on_failure", false),
          secretGuard(r)));
    }
    return List.copyOf(routes);
  }
}
