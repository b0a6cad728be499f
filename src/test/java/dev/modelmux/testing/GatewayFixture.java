package dev.modelmux.testing;

import dev.modelmux.api.ClientAuth;
import dev.modelmux.config.GatewayConfig;
import dev.modelmux.emulator.EmulatedModel;
import dev.modelmux.emulator.Emulator;
import dev.modelmux.emulator.EmulatorConfig;
import dev.modelmux.emulator.Fault;
import dev.modelmux.server.ModelMux;
import io.opentelemetry.api.OpenTelemetry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/** An emulator on a free port and a gateway (one event loop, free port) routed to it over real HTTP. */
public final class GatewayFixture {
  /** Keys the tests' deployments use; tests assert they never surface anywhere. */
  public static final Map<String, String> KEYS = Map.of(
      "KEY_A", "sk-emu-account-a-7f3c9e21d4b8a605",
      "KEY_B", "sk-emu-account-b-1a2b3c4d5e6f7081");

  /** Two GPT-4 accounts and a GPT-3.5 with a 4k window, at list prices; short deadlines so fault tests stay fast. */
  public static final String STANDARD = """
      deployments:
        - id: a-gpt4
          provider: openai
          base_url: ${EMU}/v1
          api_key_env: KEY_A
          model: gpt-4
          context_window: 8192
          limits: { tpm: 1000000, rpm: 10000 }
          timeouts: { connect_ms: 1000, first_token_ms: 1500, idle_ms: 800, total_ms: 20000 }
          price: { input_per_mtok: 30, output_per_mtok: 60 }
        - id: b-gpt4
          provider: openai
          base_url: ${EMU}/v1
          api_key_env: KEY_B
          model: gpt-4
          context_window: 8192
          limits: { tpm: 1000000, rpm: 10000 }
          timeouts: { connect_ms: 1000, first_token_ms: 1500, idle_ms: 800, total_ms: 20000 }
          price: { input_per_mtok: 30, output_per_mtok: 60 }
        - id: c-gpt35
          provider: openai
          base_url: ${EMU}/v1
          api_key_env: KEY_A
          model: gpt-3.5-turbo
          context_window: 4096
          limits: { tpm: 1000000, rpm: 10000 }
          timeouts: { connect_ms: 1000, first_token_ms: 1500, idle_ms: 800, total_ms: 20000 }
          price: { input_per_mtok: 0.5, output_per_mtok: 1.5 }
      routes:
        - name: code-reasoning
          tiers:
            - [a-gpt4, b-gpt4]
            - [c-gpt35]
        - name: solo
          tiers:
            - [a-gpt4]
      """;

  /** The same emulated models behind each provider's wire format: OpenAI, Azure OpenAI and Anthropic. */
  public static final String CROSS = """
      deployments:
        - id: oa-gpt4
          provider: openai
          base_url: ${EMU}/v1
          api_key_env: KEY_A
          model: gpt-4
          context_window: 8192
          limits: { tpm: 1000000, rpm: 10000 }
        - id: az-gpt4
          provider: azure
          base_url: ${EMU}
          api_key_env: KEY_B
          model: gpt-4
          context_window: 8192
          limits: { tpm: 1000000, rpm: 10000 }
        - id: an-claude
          provider: anthropic
          base_url: ${EMU}
          api_key_env: KEY_A
          model: claude-2
          context_window: 100000
          limits: { tpm: 1000000, rpm: 10000 }
      routes:
        - name: via-openai
          tiers: [[oa-gpt4]]
        - name: via-azure
          tiers: [[az-gpt4]]
        - name: via-anthropic
          tiers: [[an-claude]]
      """;

  public static final List<EmulatedModel> CROSS_MODELS = List.of(
      new EmulatedModel("gpt-4", 0, 0, 8192, 0, 0, Fault.NONE),
      new EmulatedModel("claude-2", 0, 0, 100000, 0, 0, Fault.NONE));

  public static final List<EmulatedModel> MODELS = List.of(
      new EmulatedModel("gpt-4", 0, 0, 8192, 0, 0, Fault.NONE),
      new EmulatedModel("gpt-3.5-turbo", 0, 0, 4096, 0, 0, Fault.NONE));

  public final Emulator emulator;
  public final ModelMux gateway;

  private GatewayFixture(Emulator emulator, ModelMux gateway) {
    this.emulator = emulator;
    this.gateway = gateway;
  }

  public static Future<GatewayFixture> start(Vertx vertx) {
    return start(vertx, MODELS, STANDARD, "");
  }

  /** @param extra YAML appended to the generated config (for example a server section) */
  public static Future<GatewayFixture> start(Vertx vertx, List<EmulatedModel> models, String deployments, String extra) {
    return Emulator.start(vertx, new EmulatorConfig("127.0.0.1", 0, models))
        .compose(emulator -> gateway(vertx, emulator, deployments, extra).map(mux -> new GatewayFixture(emulator, mux)));
  }

  /** @param local which peers the gateway takes for its own host's (protected mode); a test plays a remote client with it */
  public static Future<GatewayFixture> start(Vertx vertx, List<EmulatedModel> models, String deployments, String extra,
      Predicate<SocketAddress> local) {
    return Emulator.start(vertx, new EmulatorConfig("127.0.0.1", 0, models))
        .compose(emulator -> gateway(vertx, emulator, deployments, extra, local).map(mux -> new GatewayFixture(emulator, mux)));
  }

  /** A gateway whose attempts are traced with {@code otel} (the Vert.x instance should trace with it too). */
  public static Future<GatewayFixture> startTraced(Vertx vertx, List<EmulatedModel> models, String deployments, String extra,
      OpenTelemetry otel) {
    return Emulator.start(vertx, new EmulatorConfig("127.0.0.1", 0, models)).compose(emulator -> {
      String yaml = "server: { host: 127.0.0.1, port: 0, instances: 1 }\n" + extra
          + deployments.replace("${EMU}", "http://127.0.0.1:" + emulator.port());
      return ModelMux.start(vertx, ModelMux.configLoader(KEYS::get).parse(yaml), null, ClientAuth.LOOPBACK, otel)
          .map(mux -> new GatewayFixture(emulator, mux));
    });
  }

  /** Another gateway (a second replica, say) in front of an emulator that is already running. */
  public static Future<ModelMux> gateway(Vertx vertx, Emulator emulator, String deployments, String extra) {
    return gateway(vertx, emulator, deployments, extra, ClientAuth.LOOPBACK);
  }

  private static Future<ModelMux> gateway(Vertx vertx, Emulator emulator, String deployments, String extra,
      Predicate<SocketAddress> local) {
    String yaml = "server: { host: 127.0.0.1, port: 0, instances: 1 }\n" + extra
        + deployments.replace("${EMU}", "http://127.0.0.1:" + emulator.port());
    GatewayConfig config = ModelMux.configLoader(KEYS::get).parse(yaml);
    return ModelMux.start(vertx, config, null, local);
  }

  public int port() {
    return gateway.port();
  }

  public Future<Void> close() {
    return gateway.close().compose(v -> emulator.close());
  }
}
