package dev.modelmux.gateway;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.emulator.Fault;
import dev.modelmux.emulator.Fault.Kind;
import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.TestClient;
import dev.modelmux.testing.TestClient.StreamReply;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A provider that stays silent and then closes the connection (failoverbench S06, fast profile) is not asked again:
 * the request fails over at once. A connection that breaks fast is still retried once on the same deployment.
 */
@ExtendWith(VertxExtension.class)
class SilenceTest {
  /** A first-token deadline well past the silences played here, so the provider's close, not the deadline, ends them. */
  private static final String DEPLOYMENTS = GatewayFixture.STANDARD.replace("first_token_ms: 1500", "first_token_ms: 20000") + """
        - name: primary-then-small
          tiers: [[a-gpt4], [c-gpt35]]
      """;

  private GatewayFixture fixture;
  private TestClient client;

  @BeforeEach
  void start(Vertx vertx) {
    fixture = await(GatewayFixture.start(vertx, GatewayFixture.MODELS, DEPLOYMENTS, "resilience: { retry_backoff_ms: 10 }\n"));
    client = new TestClient(vertx, fixture.port());
  }

  @AfterEach
  void stop() {
    await(client.close());
    await(fixture.close());
  }

  private StreamReply ask(String route) {
    return await(client.stream(new JsonObject().put("model", route).put("stream", true)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "say: answered")))));
  }

  @Test
  void aProviderSilentForSecondsThenClosingIsAttemptedOnceAndTheRequestFailsOver() {
    fixture.emulator.setFault("gpt-4", Fault.of(Kind.NO_RESPONSE).delayMs(2_500));
    long start = System.nanoTime();
    StreamReply reply = ask("primary-then-small");
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.text()).isEqualTo("answered");
    assertThat(reply.headers().get("x-modelmux-deployment")).isEqualTo("c-gpt35");
    assertThat(fixture.emulator.stats("gpt-4").requests()).as("silence is not retried").isEqualTo(1);
    assertThat(reply.headers().get("x-modelmux-attempts")).isEqualTo("2");
    assertThat(ms).as("one silence waited, not two").isBetween(2_400L, 4_900L);
  }

  @Test
  void aConnectionClosedFastIsStillRetriedOnceOnTheSameDeployment() {
    fixture.emulator.setFault("gpt-4", Fault.of(Kind.NO_RESPONSE).delayMs(50).times(1));
    StreamReply reply = ask("primary-then-small");
    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.headers().get("x-modelmux-deployment")).isEqualTo("a-gpt4");
    assertThat(reply.headers().get("x-modelmux-attempts")).isEqualTo("2");
    assertThat(fixture.emulator.stats("gpt-4").requests()).isEqualTo(2);
  }
}
