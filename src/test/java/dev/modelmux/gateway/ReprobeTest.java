package dev.modelmux.gateway;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.emulator.Emulator;
import dev.modelmux.emulator.EmulatorConfig;
import dev.modelmux.emulator.Fault;
import dev.modelmux.server.ModelMux;
import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.TestClient;
import dev.modelmux.testing.TestClient.Reply;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * failoverbench S15 with the default resilience settings, on a gateway with two event loops: while the primary answers
 * 503, a steady stream of requests goes to the fallback and the primary sees one probe per re-probe interval (about 1 s,
 * then 2 s, then 4 s), however many requests arrive on both event loops at once; once it is healthy again it serves
 * within about the next interval.
 */
@ExtendWith(VertxExtension.class)
class ReprobeTest {
  static final String ROUTE = """
        - name: flap
          tiers: [[a-gpt4], [c-gpt35]]
      """;

  private Emulator emulator;
  private ModelMux gateway;
  private TestClient client;

  @BeforeEach
  void start(Vertx vertx) {
    emulator = await(Emulator.start(vertx, new EmulatorConfig("127.0.0.1", 0, GatewayFixture.MODELS)));
    String yaml = "server: { host: 127.0.0.1, port: 0, instances: 2 }\n"
        + (GatewayFixture.STANDARD + ROUTE).replace("${EMU}", "http://127.0.0.1:" + emulator.port());
    gateway = await(ModelMux.start(vertx, ModelMux.configLoader(GatewayFixture.KEYS::get).parse(yaml)));
    client = new TestClient(vertx, gateway.port(), 16); // connections spread over both event loops
  }

  @AfterEach
  void stop() {
    await(client.close());
    await(gateway.close());
    await(emulator.close());
  }

  static Future<Reply> ask(TestClient client) {
    return client.postJson("/v1/chat/completions", new JsonObject().put("model", "flap")
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "words: 3"))));
  }

  static String breaker(TestClient client, String deployment) {
    return await(client.get("/admin/deployments")).json().getJsonArray("deployments").stream().map(JsonObject.class::cast)
        .filter(r -> r.getString("id").equals(deployment)).findFirst().orElseThrow().getString("breaker");
  }

  /** Sends a request every {@code everyMs} for {@code forMs} (round-robin over the clients), and waits for every reply. */
  static List<Reply> steady(List<TestClient> clients, long forMs, long everyMs) {
    List<Future<Reply>> sent = new ArrayList<>();
    long end = System.nanoTime() + forMs * 1_000_000;
    for (int i = 0; System.nanoTime() < end; i++) {
      sent.add(ask(clients.get(i % clients.size())));
      LockSupport.parkNanos(everyMs * 1_000_000);
    }
    return sent.stream().map(f -> await(f)).toList();
  }

  private long primaryRequests() {
    return emulator.stats("gpt-4").requests();
  }

  @Test
  void duringAnOutageThePrimaryIsProbedOncePerGrowingIntervalAndServesSoonAfterItRecovers() {
    emulator.setFault("gpt-4", Fault.status(503));
    for (int i = 0; i < 30 && !breaker(client, "a-gpt4").equals("open"); i++) {
      assertThat(await(ask(client)).status()).isEqualTo(200);
    }
    assertThat(breaker(client, "a-gpt4")).isEqualTo("open");
    long before = primaryRequests();

    // Probes at about 1 s and 1 + 2 s after the opening (each within ±20 %); the next not before 5.6 s.
    List<Reply> outage = steady(List.of(client), 4_500, 25);
    assertThat(outage).allSatisfy(r -> {
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.headers().get("x-modelmux-deployment")).isEqualTo("c-gpt35");
    });
    assertThat(primaryRequests() - before).as("probes of the primary in 4.5 s of %d requests", outage.size()).isBetween(1L, 2L);

    emulator.setFault("gpt-4", Fault.NONE);
    long recovered = System.nanoTime();
    String servedBy = "";
    while (!servedBy.equals("a-gpt4") && System.nanoTime() - recovered < 15_000_000_000L) {
      servedBy = steady(List.of(client), 100, 25).stream().map(r -> r.headers().get("x-modelmux-deployment"))
          .filter("a-gpt4"::equals).findFirst().orElse("");
    }
    long backMs = (System.nanoTime() - recovered) / 1_000_000;
    assertThat(backMs).as("the primary serves again within about the next interval (4 s ± 20 %%)").isLessThan(6_500);
    assertThat(steady(List.of(client), 500, 50)).allSatisfy(r -> assertThat(r.headers().get("x-modelmux-deployment")).isEqualTo("a-gpt4"));
  }
}
