package dev.modelmux.gateway;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.emulator.Emulator;
import dev.modelmux.emulator.EmulatorConfig;
import dev.modelmux.emulator.Fault;
import dev.modelmux.emulator.Fault.Kind;
import dev.modelmux.server.ModelMux;
import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.TestClient;
import dev.modelmux.testing.TestClient.Reply;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A non-streamed answer is bounded like a stream: its headers by first_token_ms, the gaps in its body by idle_ms. */
@ExtendWith(VertxExtension.class)
class NonStreamedDeadlinesTest {
  private static final String TIMEOUTS = "timeouts: { connect_ms: 1000, first_token_ms: 600, idle_ms: 300, total_ms: 30000 }";

  private Emulator emulator;
  private HttpServer stalling;
  private ModelMux gateway;
  private TestClient client;

  @BeforeEach
  void start(Vertx vertx) {
    emulator = await(Emulator.start(vertx, new EmulatorConfig("127.0.0.1", 0, GatewayFixture.MODELS)));
    // Answers with its headers and the start of a body, then never sends another byte.
    stalling = await(vertx.createHttpServer().requestHandler(request -> request.body().onSuccess(body -> request.response()
        .setChunked(true).putHeader("content-type", "application/json").write("{\"id\":\"chatcmpl-stall\","))).listen(0, "127.0.0.1"));
    String deployments = """
        deployments:
          - { id: stalls, provider: openai, base_url: "http://127.0.0.1:%d/v1", api_key_env: KEY_A, model: gpt-4,
              context_window: 8192, limits: { tpm: 1000000, rpm: 10000 }, %s }
          - { id: emulated, provider: openai, base_url: ${EMU}/v1, api_key_env: KEY_B, model: gpt-4,
              context_window: 8192, limits: { tpm: 1000000, rpm: 10000 }, %s }
        routes:
          - { name: stalls-then-emulated, tiers: [[stalls], [emulated]] }
          - { name: stalls-alone, tiers: [[stalls]] }
          - { name: emulated-alone, tiers: [[emulated]] }
        """.formatted(stalling.actualPort(), TIMEOUTS, TIMEOUTS);
    gateway = await(GatewayFixture.gateway(vertx, emulator, deployments, ""));
    client = new TestClient(vertx, gateway.port());
  }

  @AfterEach
  void stop() {
    await(client.close());
    await(gateway.close());
    await(stalling.close());
    await(emulator.close());
  }

  private Reply ask(String route) {
    return await(client.postJson("/v1/chat/completions", StreamContractTest.request(route, "words: 5", false)));
  }

  @Test
  void aBodyThatStallsAfterItsHeadersFailsOverWithinIdleMs() {
    long start = System.nanoTime();
    Reply reply = ask("stalls-then-emulated");
    long elapsedMs = (System.nanoTime() - start) / 1_000_000;
    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.headers().get("x-modelmux-deployment")).isEqualTo("emulated");
    assertThat(elapsedMs).as("ms until the answer, idle_ms 300, total_ms 30000").isLessThan(2_000);
  }

  @Test
  void aBodyThatStallsWithNowhereElseToGoIsA504WithinIdleMs() {
    long start = System.nanoTime();
    Reply reply = ask("stalls-alone");
    long elapsedMs = (System.nanoTime() - start) / 1_000_000;
    assertThat(reply.status()).isEqualTo(504);
    JsonObject error = reply.json().getJsonObject("error");
    assertThat(error.getString("message")).contains("'stalls'").contains("went silent");
    assertThat(elapsedMs).as("ms until the 504, idle_ms 300, total_ms 30000").isLessThan(2_000);
  }

  @Test
  void noResponseHeadersWithinFirstTokenMsIsA504() {
    emulator.setFault("gpt-4", Fault.of(Kind.NO_RESPONSE));
    long start = System.nanoTime();
    Reply reply = ask("emulated-alone");
    long elapsedMs = (System.nanoTime() - start) / 1_000_000;
    assertThat(reply.status()).isEqualTo(504);
    assertThat(reply.json().getJsonObject("error").getString("message")).contains("sent no response headers within 600 ms");
    assertThat(elapsedMs).as("ms until the 504, first_token_ms 600, total_ms 30000").isLessThan(2_500);
  }
}
