package dev.modelmux.server;

import static dev.modelmux.testing.Await.await;
import static dev.modelmux.testing.Eventually.assertEventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.emulator.EmulatedModel;
import dev.modelmux.emulator.Emulator;
import dev.modelmux.emulator.EmulatorConfig;
import dev.modelmux.emulator.Fault;
import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.TestClient;
import dev.modelmux.testing.TestClient.Reply;
import dev.modelmux.testing.TestClient.StreamReply;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code server.max_in_flight: 3} with three slow streams open: the next request is refused at once in its own dialect
 * (503 OpenAI, 529 Anthropic) with retry-after, counted in modelmux_shed_total; health and admin paths still answer;
 * once the streams end there is room again.
 */
class LoadSheddingTest {
  private final Vertx vertx = Vertx.vertx();
  private Emulator emulator;
  private ModelMux gateway;
  private TestClient client;

  @BeforeEach
  void start() {
    emulator = await(Emulator.start(vertx, new EmulatorConfig("127.0.0.1", 0,
        List.of(new EmulatedModel("gpt-4", 0, 50, 8192, 0, 0, Fault.NONE)))));
    String yaml = "server: { host: 127.0.0.1, port: 0, instances: 1, max_in_flight: 3 }\n"
        + DrainTest.DEPLOYMENTS.replace("${EMU}", "http://127.0.0.1:" + emulator.port());
    gateway = await(ModelMux.start(vertx, ModelMux.configLoader(GatewayFixture.KEYS::get).parse(yaml)));
    client = new TestClient(vertx, gateway.port(), 10);
  }

  @AfterEach
  void stop() {
    await(client.close());
    await(gateway.close());
    await(emulator.close());
    await(vertx.close());
  }

  private static JsonObject question(String text) {
    return new JsonObject().put("model", "slow").put("max_tokens", 100)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", text)));
  }

  private int upstreamInFlight() {
    return await(client.get("/admin/deployments")).json().getJsonArray("deployments").getJsonObject(0).getInteger("in_flight");
  }

  @Test
  void beyondMaxInFlightRequestsAreRefusedAtOnceInTheirDialect() {
    List<Future<StreamReply>> open = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      open.add(client.stream(question("words: 20\nstream " + i).put("stream", true)));
    }
    assertEventually(() -> assertThat(upstreamInFlight()).isEqualTo(3));

    long start = System.nanoTime();
    Reply openAi = await(client.postJson("/v1/chat/completions", question("hi")));
    Reply anthropic = await(client.postJson("/v1/messages", question("hi")));
    long tookMs = (System.nanoTime() - start) / 1_000_000;

    assertThat(openAi.status()).isEqualTo(503);
    assertThat(openAi.headers().get("retry-after")).isEqualTo("1");
    assertThat(openAi.json().getJsonObject("error").getString("message")).contains("maximum of 3 requests");
    assertThat(anthropic.status()).isEqualTo(529);
    assertThat(anthropic.headers().get("retry-after")).isEqualTo("1");
    assertThat(anthropic.json().getJsonObject("error").getString("type")).isEqualTo("overloaded_error");
    assertThat(tookMs).isLessThan(500);
    assertThat(await(client.get("/health/ready")).status()).isEqualTo(200);
    String metrics = await(client.get("/metrics")).body().toString();
    assertThat(metrics).contains("modelmux_shed_total{dialect=\"openai\"} 1.0").contains("modelmux_shed_total{dialect=\"anthropic\"} 1.0");
    assertThat(emulator.stats("gpt-4").requests()).isEqualTo(3);

    for (Future<StreamReply> stream : open) {
      assertThat(await(stream).last().data()).isEqualTo("[DONE]");
    }
    assertThat(await(client.postJson("/v1/chat/completions", question("say: room again"))).status()).isEqualTo(200);
  }

  @Test
  void aClientThatLeavesGivesItsPlaceBack() {
    for (int round = 0; round < 5; round++) {
      TestClient leaving = new TestClient(vertx, gateway.port(), 3);
      for (int i = 0; i < 3; i++) {
        leaving.stream(question("words: 200\nleaving " + round + " " + i).put("stream", true));
      }
      assertEventually(() -> assertThat(upstreamInFlight()).isEqualTo(3));
      await(leaving.close());
      assertEventually(() -> assertThat(upstreamInFlight()).isZero());
    }
    assertThat(await(client.postJson("/v1/chat/completions", question("say: still room"))).status()).isEqualTo(200);
  }
}
