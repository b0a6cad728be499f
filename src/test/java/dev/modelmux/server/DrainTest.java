package dev.modelmux.server;

import static dev.modelmux.testing.Await.await;
import static dev.modelmux.testing.Eventually.assertEventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelmux.budget.BudgetLimits;
import dev.modelmux.budget.Headroom;
import dev.modelmux.core.SseEvent;
import dev.modelmux.emulator.EmulatedModel;
import dev.modelmux.emulator.Emulator;
import dev.modelmux.emulator.EmulatorConfig;
import dev.modelmux.emulator.Fault;
import dev.modelmux.testing.CapturedLogs;
import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.TestClient;
import dev.modelmux.testing.TestClient.StreamReply;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * POST /admin/drain in-process: readiness turns 503 at once, streams shorter than {@code drain_ms} finish normally,
 * the listener stops after {@code drain_delay_ms}, streams longer than {@code drain_ms} end with the shutdown error in
 * their own dialect (no breaker opens, no provider blamed), and every reservation is settled.
 */
class DrainTest {
  /** 30 words at 50 ms each: a stream of about 1.5 s. */
  private static final String SLOW = "words: 30";
  private static final int MAX_TOKENS = 2000;

  static final String DEPLOYMENTS = """
      resilience: { breaker_failures: 1, breaker_reset_ms: 60000 }
      deployments:
        - id: slow-gpt4
          provider: openai
          base_url: ${EMU}/v1
          api_key_env: KEY_A
          model: gpt-4
          context_window: 8192
          limits: { tpm: 10000000, rpm: 100000 }
          timeouts: { connect_ms: 1000, first_token_ms: 5000, idle_ms: 5000, total_ms: 60000 }
      routes:
        - name: slow
          tiers: [[slow-gpt4]]
      """;

  private final Vertx vertx = Vertx.vertx();
  private Emulator emulator;
  private ModelMux gateway;
  private TestClient client;
  private final CapturedLogs logs = CapturedLogs.attach();

  @AfterEach
  void stop() {
    logs.detach();
    await(client.close());
    await(gateway.close());
    await(emulator.close());
    await(vertx.close());
  }

  private void start(String server) {
    emulator = await(Emulator.start(vertx, new EmulatorConfig("127.0.0.1", 0,
        List.of(new EmulatedModel("gpt-4", 0, 50, 8192, 0, 0, Fault.NONE)))));
    String yaml = "server: { host: 127.0.0.1, port: 0, instances: 1, " + server + " }\n"
        + DEPLOYMENTS.replace("${EMU}", "http://127.0.0.1:" + emulator.port());
    gateway = await(ModelMux.start(vertx, ModelMux.configLoader(GatewayFixture.KEYS::get).parse(yaml)));
    client = new TestClient(vertx, gateway.port(), 20);
  }

  static JsonObject openAi(String text) {
    return new JsonObject().put("model", "slow").put("stream", true).put("max_tokens", MAX_TOKENS)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", text)));
  }

  private int upstreamInFlight() {
    return await(client.get("/admin/deployments")).json().getJsonArray("deployments").getJsonObject(0).getInteger("in_flight");
  }

  @Test
  void adminDrainTurnsReadinessAtOnceAndLetsShortStreamsFinish() {
    start("drain_delay_ms: 1000, drain_ms: 20000");
    assertThat(await(client.get("/health/ready")).status()).isEqualTo(200);
    List<Future<StreamReply>> streams = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      streams.add(client.stream(openAi(SLOW + "\nstream " + i)));
    }
    assertEventually(() -> assertThat(upstreamInFlight()).isEqualTo(5));

    TestClient.Reply accepted = await(client.post("/admin/drain", "", "application/json"));
    TestClient.Reply ready = await(client.get("/health/ready"));
    TestClient.Reply duringTheDelay = await(client.postJson("/v1/chat/completions", openAi("say: still served").put("stream", false)));

    assertThat(accepted.status()).isEqualTo(202);
    assertThat(ready.status()).isEqualTo(503);
    assertThat(ready.json().getString("status")).isEqualTo("DRAINING");
    assertThat(duringTheDelay.status()).isEqualTo(200);
    for (Future<StreamReply> stream : streams) {
      StreamReply reply = await(stream);
      assertThat(reply.ended()).isTrue();
      assertThat(reply.last().data()).isEqualTo("[DONE]");
      assertThat(reply.text().split(" ")).hasSize(30);
    }
    await(gateway.drained());
    TestClient fresh = new TestClient(vertx, gateway.port());
    assertThatThrownBy(() -> await(fresh.get("/health/live"))).hasMessageContaining("Connection refused");
    await(fresh.close());
  }

  @Test
  void streamsLongerThanTheDrainEndWithTheShutdownErrorInTheirDialectAndSettle() {
    start("drain_delay_ms: 50, drain_ms: 500");
    Future<StreamReply> openAiStream = client.stream(openAi("words: 400"));
    Future<StreamReply> anthropicStream = client.stream("/v1/messages", new JsonObject().put("model", "slow").put("stream", true)
        .put("max_tokens", MAX_TOKENS).put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "words: 400"))));
    assertEventually(() -> assertThat(upstreamInFlight()).isEqualTo(2));

    long start = System.nanoTime();
    gateway.drain();
    StreamReply openAiReply = await(openAiStream);
    StreamReply anthropicReply = await(anthropicStream);
    await(gateway.drained());
    long tookMs = (System.nanoTime() - start) / 1_000_000;

    JsonObject openAiError = new JsonObject(openAiReply.last().data()).getJsonObject("error");
    assertThat(openAiReply.ended()).isTrue();
    assertThat(openAiError.getString("code")).isEqualTo("gateway_shutting_down");
    assertThat(openAiError.getString("message")).contains("gateway is shutting down").doesNotContain("slow-gpt4");
    SseEvent anthropicLast = anthropicReply.last();
    assertThat(anthropicReply.ended()).isTrue();
    assertThat(anthropicLast.event()).isEqualTo("error");
    assertThat(new JsonObject(anthropicLast.data()).getJsonObject("error").getString("message")).contains("gateway is shutting down");
    assertThat(tookMs).isLessThan(500 + Drain.SETTLE_GRACE_MS + 500);

    Headroom used = await(gateway.budgets().headroom("slow-gpt4", new BudgetLimits(10_000_000, 100_000)));
    assertThat(used.requestsUsed()).isEqualTo(2);
    assertThat(used.tokensUsed()).as("settled to what the streams used, not the %d reserved each", MAX_TOKENS).isLessThan(200);
    assertThat(logs.events).noneMatch(e -> e.getFormattedMessage().contains("breaker open"));
    assertThat(logs.events).anyMatch(e -> e.getFormattedMessage().contains("outcome=shutdown"));
  }
}
