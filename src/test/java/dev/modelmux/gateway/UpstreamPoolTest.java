package dev.modelmux.gateway;

import static dev.modelmux.testing.Await.await;
import static dev.modelmux.testing.Eventually.assertEventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.emulator.Emulator;
import dev.modelmux.emulator.EmulatorConfig;
import dev.modelmux.emulator.Fault;
import dev.modelmux.emulator.Fault.Kind;
import dev.modelmux.server.ModelMux;
import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.TestClient;
import dev.modelmux.testing.TestClient.Reply;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Each deployment has its own upstream pool, even beside another account on the same provider host, and waiting for
 * a pooled connection is the gateway's own saturation: a 503 or a failover, never a breaker failure.
 */
@ExtendWith(VertxExtension.class)
class UpstreamPoolTest {
  private static final String TIMEOUTS = "timeouts: { connect_ms: 1000, first_token_ms: 5000, idle_ms: 20000, total_ms: 30000 }";

  private Emulator emulator;
  private ModelMux gateway;
  private TestClient client;

  @BeforeEach
  void start(Vertx vertx) {
    emulator = await(Emulator.start(vertx, new EmulatorConfig("127.0.0.1", 0, GatewayFixture.MODELS)));
    String yaml = """
        server: { host: 127.0.0.1, port: 0, instances: 1 }
        resilience: { breaker_failures: 2, breaker_reset_ms: 60000 }
        deployments:
          - { id: small-pool, provider: openai, base_url: "http://127.0.0.1:%1$d/v1", api_key_env: KEY_A, model: gpt-4,
              context_window: 8192, limits: { tpm: 1000000, rpm: 10000 }, %2$s,
              pool: { max_connections: 2, max_wait_queue: 1, max_wait_ms: 200 } }
          - { id: same-host, provider: openai, base_url: "http://127.0.0.1:%1$d/v1", api_key_env: KEY_B, model: gpt-3.5-turbo,
              context_window: 4096, limits: { tpm: 1000000, rpm: 10000 }, %2$s }
        routes:
          - { name: small, tiers: [[small-pool]] }
          - { name: small-then-same-host, tiers: [[small-pool], [same-host]] }
        """.formatted(emulator.port(), TIMEOUTS);
    gateway = await(ModelMux.start(vertx, ModelMux.configLoader(GatewayFixture.KEYS::get).parse(yaml)));
    client = new TestClient(vertx, gateway.port(), 10);
  }

  @AfterEach
  void stop() {
    await(client.close());
    await(gateway.close());
    await(emulator.close());
  }

  /** A stream that sends one token and then holds its upstream connection open. */
  private HttpClientResponse holdConnection() {
    return await(client.onContext(() -> client.http().request(new RequestOptions().setMethod(HttpMethod.POST)
            .setHost("127.0.0.1").setPort(gateway.port()).setURI("/v1/chat/completions").putHeader("content-type", "application/json"))
        .compose(req -> req.send(StreamContractTest.request("small", "words: 20", true).encode()))));
  }

  private Future<Reply> ask(String route) {
    return client.postJson("/v1/chat/completions", StreamContractTest.request(route, "words: 3", false));
  }

  private JsonObject admin(String id) {
    return await(client.get("/admin/deployments")).json().getJsonArray("deployments").stream().map(JsonObject.class::cast)
        .filter(r -> r.getString("id").equals(id)).findFirst().orElseThrow();
  }

  @Test
  void waitingForAPooledConnectionIs503AndNeverOpensTheBreaker() {
    emulator.setFault("gpt-4", Fault.of(Kind.STALL).afterTokens(1));
    List<HttpClientResponse> held = List.of(holdConnection(), holdConnection());
    held.forEach(r -> assertThat(r.statusCode()).isEqualTo(200));

    // One waits out max_wait_ms in the pool's queue, the others find the queue full: all are local saturation.
    for (int round = 0; round < 2; round++) {
      List<Future<Reply>> waiting = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        waiting.add(ask("small"));
      }
      for (Future<Reply> f : waiting) {
        Reply reply = await(f);
        assertThat(reply.status()).isEqualTo(503);
        JsonObject error = reply.json().getJsonObject("error");
        assertThat(error.getString("type")).isEqualTo("server_error");
        assertThat(error.getString("message")).contains("'small-pool'");
      }
    }
    assertThat(admin("small-pool").getString("breaker")).as("six pool waits, breaker_failures 2").isEqualTo("closed");

    // The other account on the same host has a pool of its own.
    Reply failedOver = await(ask("small-then-same-host"));
    assertThat(failedOver.status()).isEqualTo(200);
    assertThat(failedOver.headers().get("x-modelmux-deployment")).isEqualTo("same-host");

    emulator.clearFaults();
    held.forEach(r -> r.request().connection().close());
    assertEventually(() -> assertThat(admin("small-pool").getInteger("in_flight")).isZero());
    assertThat(await(ask("small")).status()).isEqualTo(200);
  }
}
