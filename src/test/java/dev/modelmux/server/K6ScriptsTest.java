package dev.modelmux.server;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.emulator.EmulatedModel;
import dev.modelmux.emulator.Fault;
import dev.modelmux.testing.GatewayFixture;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The k6 scripts (scripts/k6) run end to end against a live gateway through the Node shim of the k6 APIs they use
 * (k6 itself cannot be installed here), shortened through their own settings; each must pass its thresholds.
 */
@ExtendWith(VertxExtension.class)
class K6ScriptsTest {
  private static final String DEPLOYMENTS = """
      deployments:
        - id: oa-gpt4
          provider: openai
          base_url: ${EMU}/v1
          api_key_env: KEY_A
          model: gpt-4
          context_window: 8192
          limits: { tpm: 10000000, rpm: 100000 }
          timeouts: { first_token_ms: 400, idle_ms: 1000 }
        - id: an-claude
          provider: anthropic
          base_url: ${EMU}
          api_key_env: KEY_B
          model: claude-2
          context_window: 100000
          limits: { tpm: 10000000, rpm: 100000 }
      routes:
        - name: code
          tiers: [[oa-gpt4], [an-claude]]
      """;

  @TempDir
  Path prompts;
  private GatewayFixture fixture;

  @BeforeEach
  void start(Vertx vertx) throws IOException {
    Files.createDirectories(prompts.resolve("explain"));
    Files.writeString(prompts.resolve("explain/task.yaml"), "route: code\nvariables: { code: { required: true }, language: {} }\n");
    Files.writeString(prompts.resolve("explain/default.yaml"), "match: default\nmessages:\n  - { role: user, content: \"say: explains {{code}}\" }\n");
    List<EmulatedModel> models = List.of(new EmulatedModel("gpt-4", 5, 1, 8192, 0, 0, Fault.NONE),
        new EmulatedModel("claude-2", 5, 1, 100000, 0, 0, Fault.NONE));
    fixture = await(GatewayFixture.start(vertx, models, DEPLOYMENTS, "prompts: { dir: " + prompts + " }\n"));
  }

  @AfterEach
  void stop() {
    await(fixture.close());
  }

  private JsonObject k6(String script, Map<String, String> env) throws Exception {
    ProcessBuilder run = new ProcessBuilder("node", "scripts/k6/shim/run.mjs", "scripts/k6/" + script).redirectErrorStream(true);
    run.environment().putAll(Map.of("BASE_URL", "http://127.0.0.1:" + fixture.port(), "MODEL", "code", "TASK", "explain", "API_KEY", "k"));
    run.environment().putAll(env);
    Process process = run.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).as(output).isTrue();
    assertThat(process.exitValue()).as(script + ":\n" + output).isZero();
    JsonObject summary = new JsonObject(output.lines().filter(l -> l.startsWith("{")).findFirst().orElseThrow());
    assertThat(summary.getString("script")).isEqualTo(script.replace(".js", ""));
    assertThat(summary.getDouble("checks")).as(output).isEqualTo(1.0);
    return summary;
  }

  @Test
  void smokeCallsOneOfEach() throws Exception {
    JsonObject summary = k6("smoke.js", Map.of());
    assertThat(summary.getInteger("http_reqs")).isEqualTo(4);
    assertThat(summary.getDouble("ttft_p95_ms")).isNotNull();
  }

  @Test
  void steadySpikeAndSoakHoldTheirThresholds() throws Exception {
    assertThat(k6("steady.js", Map.of("RATE", "20", "DURATION", "2s", "VUS", "8")).getInteger("iterations")).isEqualTo(40);
    assertThat(k6("spike.js", Map.of("PEAK", "40", "STEP", "1s", "VUS", "8")).getInteger("iterations")).isGreaterThan(20);
    assertThat(k6("soak.js", Map.of("RATE", "10", "DURATION", "2s", "VUS", "4")).getInteger("iterations")).isEqualTo(20);
  }

  @Test
  void chaosFlipsTheEmulatorsFaultsAndTheFallbacksHoldTheErrorRate() throws Exception {
    JsonObject summary = k6("chaos.js", Map.of("RATE", "15", "PHASE_S", "1", "VUS", "8",
        "EMULATOR_URL", "http://127.0.0.1:" + fixture.emulator.port()));
    assertThat(summary.getDouble("http_req_failed")).isLessThan(0.02);
    assertThat(fixture.emulator.stats("claude-2").requests()).as("the second tier answered while the primary was down").isPositive();
  }
}
