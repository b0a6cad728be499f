package dev.modelmux.config;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/** Reads the {@code deployments} list: each provider account, its model, limits, price, timeouts and key. */
final class DeploymentSection {
  /** The placeholder key a deployment with {@code emulator_account} sends. */
  private static final String EMULATOR_KEY_PREFIX = "emulator-account-";

  private DeploymentSection() {}

  static List<DeploymentConfig> read(ConfigNode root, Function<String, String> environment) {
    List<ConfigNode> nodes = root.list("deployments");
    if (nodes.isEmpty()) {
      throw new ConfigException("deployments", "at least one deployment is required");
    }
    Map<String, DeploymentConfig> byId = new LinkedHashMap<>();
    for (ConfigNode d : nodes) {
      DeploymentConfig deployment = deployment(d, environment);
      if (byId.putIfAbsent(deployment.id(), deployment) != null) {
        throw new ConfigException(d.field("id"), "duplicate deployment id '" + deployment.id() + "'");
      }
    }
    return List.copyOf(byId.values());
  }

  private static DeploymentConfig deployment(ConfigNode d, Function<String, String> environment) {
    d.allowOnly(Set.of("id", "provider", "base_url", "api_key_env", "emulator_account", "model", "context_window", "max_output_tokens",
        "default_max_tokens", "api_version", "limits", "price", "timeouts", "max_answer_bytes", "max_error_bytes", "pool", "family", "latency", "prefill"));
    String id = d.string("id");
    ProviderKind provider = d.choice("provider", null, ProviderKind::parse, "openai, azure, anthropic");
    if (provider == null) {
      throw new ConfigException(d.field("provider"), "missing");
    }
    URI baseUrl = d.url("base_url");
    String keyEnv = d.has("api_key_env") ? d.string("api_key_env") : null;
    String key = providerKey(d, id, baseUrl, keyEnv, environment);
    int window = (int) d.requiredNumber("context_window", 16, 100_000_000);
    ConfigNode limits = d.object("limits").allowOnly(Set.of("tpm", "rpm"));
    ConfigNode price = d.optionalObject("price").allowOnly(Set.of("input_per_mtok", "output_per_mtok"));
    ConfigNode timeouts = d.optionalObject("timeouts").allowOnly(Set.of("connect_ms", "first_token_ms", "idle_ms", "total_ms"));
    Timeouts t = Timeouts.DEFAULT;
    ConfigNode pool = d.optionalObject("pool").allowOnly(Set.of("max_connections", "max_wait_queue", "max_wait_ms"));
    PoolConfig p = PoolConfig.DEFAULT;
    ConfigNode latency = d.optionalObject("latency").allowOnly(Set.of("first_token_p99_ms", "gap_p99_ms"));
    LatencyPrior l = LatencyPrior.DEFAULT;
    // Anthropic caps output separately from the window (4,096 on the Claude 2 generation); OpenAI's older models share it.
    int maxOutput = (int) d.number("max_output_tokens", provider == ProviderKind.ANTHROPIC ? Math.min(4096, window) : window, 1, window);
    String model = d.string("model");
    return DeploymentConfig.builder(id, provider, model)
        .baseUrl(baseUrl)
        .apiKey(keyEnv, new Secret(key))
        .tokens(window, maxOutput, (int) d.number("default_max_tokens", Math.min(4096, maxOutput), 1, maxOutput))
        .apiVersion(d.has("api_version") ? d.string("api_version") : null)
        .limits(new Limits(limits.requiredNumber("tpm", 1, Long.MAX_VALUE), limits.requiredNumber("rpm", 1, Long.MAX_VALUE)))
        .price(new Price(price.decimal("input_per_mtok", 0), price.decimal("output_per_mtok", 0)))
        .timeouts(new Timeouts(
            timeouts.number("connect_ms", t.connectMs(), 1, 600_000),
            timeouts.number("first_token_ms", t.firstTokenMs(), 1, 3_600_000),
            timeouts.number("idle_ms", t.idleMs(), 1, 3_600_000),
            timeouts.number("total_ms", t.totalMs(), 1, 86_400_000)))
        .bodyLimits(new BodyLimits(
            d.number("max_answer_bytes", BodyLimits.DEFAULT.answerBytes(), 1024, 1L << 30),
            d.number("max_error_bytes", BodyLimits.DEFAULT.errorBytes(), 256, 16L * 1024 * 1024)))
        .pool(new PoolConfig(
            (int) pool.number("max_connections", p.maxConnections(), 1, 1_000_000),
            (int) pool.number("max_wait_queue", p.maxWaitQueue(), 0, 1_000_000),
            pool.number("max_wait_ms", p.maxWaitMs(), 1, 600_000)))
        .family(d.has("family") ? d.string("family") : model)
        .latency(new LatencyPrior(
            latency.number("first_token_p99_ms", l.firstTokenP99Ms(), 1, 600_000),
            latency.number("gap_p99_ms", l.gapP99Ms(), 1, 600_000)))
        .prefill(prefill(d, provider))
        .build();
  }

  /**
   * Whether a continuation on this deployment sends the text so far as an assistant prefill: only Anthropic continues
   * one, and by default does; {@code prefill: false} says up front that this model refuses it (the newest Claude
   * models do), so continuations here ask again instead.
   */
  private static boolean prefill(ConfigNode d, ProviderKind provider) {
    boolean byKind = provider == ProviderKind.ANTHROPIC;
    boolean prefill = d.bool("prefill", byKind);
    if (prefill && !byKind) {
      throw new ConfigException(d.field("prefill"), "only Anthropic deployments continue an assistant prefill");
    }
    return prefill;
  }

  /**
   * The deployment's key: from the environment variable api_key_env names, or, for the built-in emulator (which takes any
   * key) on a loopback base_url, the placeholder {@code emulator-account-NAME} of {@code emulator_account: NAME} (the
   * emulator keeps each key's rate limits apart, so two accounts get two names). No key is ever written in the config.
   */
  private static String providerKey(ConfigNode d, String id, URI baseUrl, String keyEnv, Function<String, String> environment) {
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

  private static boolean isLoopback(URI url) {
    return Loopback.isLoopback(url.getHost());
  }
}
