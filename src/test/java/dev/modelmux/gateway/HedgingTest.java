package dev.modelmux.gateway;

import static dev.modelmux.testing.Await.await;
import static dev.modelmux.testing.Eventually.assertEventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.emulator.EmulatedModel;
import dev.modelmux.emulator.Fault;
import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.TestClient;
import dev.modelmux.testing.TestClient.StreamReply;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Hedging: a late first token starts the next candidate too; the first to stream wins, the other is cancelled. */
@ExtendWith(VertxExtension.class)
class HedgingTest {
  private static final List<EmulatedModel> MODELS = List.of(
      new EmulatedModel("slow-model", 3000, 0, 8192, 0, 0, Fault.NONE),
      new EmulatedModel("less-slow-model", 400, 0, 8192, 0, 0, Fault.NONE));

  private static final String CONFIG = """
      deployments:
        - id: slow
          provider: openai
          base_url: ${EMU}/v1
          api_key_env: KEY_A
          model: slow-model
          context_window: 8192
          limits: { tpm: 1000000, rpm: 1000 }
        - id: less-slow
          provider: openai
          base_url: ${EMU}/v1
          api_key_env: KEY_A
          model: less-slow-model
          context_window: 8192
          limits: { tpm: 1000000, rpm: 1 }
      routes:
        - name: hedged
          hedge_after_ms: 150
          tiers: [[slow], [less-slow]]
        - name: plain
          tiers: [[slow], [less-slow]]
      """;

  private GatewayFixture fixture;
  private TestClient client;

  @BeforeEach
  void start(Vertx vertx) {
    fixture = await(GatewayFixture.start(vertx, MODELS, CONFIG, ""));
    client = new TestClient(vertx, fixture.port());
  }

  @AfterEach
  void stop() {
    await(client.close());
    await(fixture.close());
  }

  private StreamReply stream(String route) {
    return await(client.stream(new JsonObject().put("model", route).put("stream", true)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "say: whoever is first")))));
  }

  @Test
  void theFasterOfTwoSlowDeploymentsWinsAndTheOtherIsCancelled() {
    long start = System.nanoTime();
    StreamReply reply = stream("hedged");
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.text()).isEqualTo("whoever is first");
    assertThat(reply.headers().get("x-modelmux-deployment")).isEqualTo("less-slow");
    assertThat(ms).as("150 ms hedge delay + 400 ms, not the slow one's 3 s").isBetween(500L, 2500L);
    assertEventually(() -> assertThat(fixture.emulator.stats("slow-model").peerClosed()).as("the loser was cancelled").isEqualTo(1));
    String metrics = await(client.get("/metrics")).body().toString();
    assertThat(metrics).contains("modelmux_hedges_total{deployment=\"less-slow\",result=\"won\"} 1.0");
    assertEventually(() -> assertThat(await(client.get("/admin/deployments")).json().getJsonArray("deployments"))
        .allSatisfy(d -> assertThat(((JsonObject) d).getInteger("in_flight")).isZero()));
  }

  @Test
  void noHedgeWithoutHeadroomForTheSecondRequest() {
    assertThat(stream("plain").headers().get("x-modelmux-deployment")).isEqualTo("slow");
    // less-slow has 1 RPM: spend it, then the hedge has no budget and the slow deployment answers alone.
    fixture.emulator.setFault("slow-model", Fault.status(500).times(2));
    assertThat(stream("plain").headers().get("x-modelmux-deployment")).isEqualTo("less-slow");
    long before = fixture.emulator.stats("less-slow-model").requests();
    StreamReply reply = stream("hedged");
    assertThat(reply.headers().get("x-modelmux-deployment")).isEqualTo("slow");
    assertThat(fixture.emulator.stats("less-slow-model").requests()).isEqualTo(before);
  }

  @Test
  void withoutHedgingTheSlowOneAnswers() {
    assertThat(stream("plain").headers().get("x-modelmux-deployment")).isEqualTo("slow");
    assertThat(fixture.emulator.stats("less-slow-model").requests()).isZero();
  }
}
