package dev.modelmux.server;

import static dev.modelmux.testing.Await.await;
import static dev.modelmux.testing.Eventually.assertEventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.emulator.EmulatedModel;
import dev.modelmux.emulator.Emulator;
import dev.modelmux.emulator.EmulatorConfig;
import dev.modelmux.emulator.Fault;
import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.RawHttp;
import dev.modelmux.testing.TestClient;
import dev.modelmux.testing.TestClient.Reply;
import dev.modelmux.testing.TestClient.StreamReply;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Slow, silent, idle and surplus client connections are closed, while real requests and long quiet streams are served. */
@ExtendWith(VertxExtension.class)
class FrontDoorTest {
  private Emulator emulator;
  private ModelMux gateway;
  private TestClient client;

  private void start(Vertx vertx, String server, List<EmulatedModel> models) {
    start(vertx, server, models, GatewayFixture.STANDARD);
  }

  private void start(Vertx vertx, String server, List<EmulatedModel> models, String deployments) {
    emulator = await(Emulator.start(vertx, new EmulatorConfig("127.0.0.1", 0, models)));
    String yaml = "server: { host: 127.0.0.1, port: 0, instances: 1, " + server + " }\n"
        + deployments.replace("${EMU}", "http://127.0.0.1:" + emulator.port());
    gateway = await(ModelMux.start(vertx, ModelMux.configLoader(GatewayFixture.KEYS::get).parse(yaml)));
    client = new TestClient(vertx, gateway.port());
  }

  @AfterEach
  void stop() {
    await(client.close());
    await(gateway.close());
    await(emulator.close());
  }

  private static JsonObject ask(String model, String text, boolean stream) {
    return new JsonObject().put("model", model).put("stream", stream)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", text)));
  }

  private String metrics() {
    return await(client.get("/metrics")).body().toString();
  }

  @Test
  void slowlorisConnectionsAreClosedByTheHeaderTimeoutWhileRequestsAreServed(Vertx vertx) {
    start(vertx, "header_timeout_ms: 1000", GatewayFixture.MODELS);
    NetClient net = vertx.createNetClient();
    long opened = System.nanoTime();
    List<Long> closedAfterMs = new CopyOnWriteArrayList<>();
    List<Future<NetSocket>> connecting = IntStream.range(0, 100).mapToObj(i -> net.connect(gateway.port(), "127.0.0.1")).toList();
    await(Future.all(connecting));
    List<NetSocket> sockets = connecting.stream().map(Future::result).toList();
    for (NetSocket socket : sockets) {
      socket.closeHandler(v -> closedAfterMs.add((System.nanoTime() - opened) / 1_000_000));
      socket.write("POST /v1/chat/completions HTTP/1.1\r\nHost: gateway\r\nX-Slow: ");
    }
    // Ten header bytes a second each: the headers never complete, and no byte may buy the connection more time.
    long trickle = vertx.setPeriodic(100, id -> sockets.forEach(s -> s.write("x")));
    try {
      for (int i = 0; i < 10; i++) {
        assertThat(await(client.postJson("/v1/chat/completions", ask("gpt-3.5-turbo", "hi", false))).status()).isEqualTo(200);
      }
      assertEventually(() -> assertThat(closedAfterMs).hasSize(100));
      assertThat(closedAfterMs).allSatisfy(ms -> assertThat(ms).isBetween(900L, 4000L));
      assertThat(await(client.postJson("/v1/chat/completions", ask("gpt-3.5-turbo", "hi", false))).status()).isEqualTo(200);
      assertThat(metrics()).contains("modelmux_connections_closed_total{reason=\"header_timeout\"} 100.0");
    } finally {
      vertx.cancelTimer(trickle);
      await(net.close());
    }
  }

  @Test
  void aConnectionThatSendsNothingIsClosedByTheHeaderTimeout(Vertx vertx) throws Exception {
    start(vertx, "header_timeout_ms: 300", GatewayFixture.MODELS);
    try (RawHttp silent = new RawHttp(gateway.port())) {
      long start = System.nanoTime();
      assertThat(silent.readUntilClosed()).isEmpty();
      assertThat((System.nanoTime() - start) / 1_000_000).isBetween(200L, 3000L);
    }
  }

  @Test
  void aKeptAliveConnectionIsClosedAfterTheIdleTimeoutWithNoRequest(Vertx vertx) throws Exception {
    start(vertx, "header_timeout_ms: 10000, idle_timeout_ms: 300", GatewayFixture.MODELS);
    try (RawHttp idle = new RawHttp(gateway.port())) {
      for (int i = 0; i < 2; i++) {
        assertThat(idle.send("GET /health/live HTTP/1.1\r\nHost: gateway\r\n\r\n").readResponse()).startsWith("HTTP/1.1 200");
      }
      long start = System.nanoTime();
      assertThat(idle.readUntilClosed()).isEmpty();
      // Closed, and by the idle timeout (the metric's reason says which): no lower bound, as on a busy machine this
      // thread may read the response only after the 300 ms have passed.
      assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(10_000L);
    }
    assertThat(metrics()).contains("modelmux_connections_closed_total{reason=\"idle_timeout\"} 1.0");
  }

  /**
   * The idle timeout counts from the last response, not the first: the timer the first response set finds a later
   * deadline when it fires (the gateway only stamps it per request) and waits for that one.
   */
  @Test
  void aConnectionUsedMoreOftenThanTheIdleTimeoutStaysOpenPastTheFirstResponsesDeadline(Vertx vertx) throws Exception {
    start(vertx, "header_timeout_ms: 10000, idle_timeout_ms: 1500", GatewayFixture.MODELS);
    try (RawHttp kept = new RawHttp(gateway.port())) {
      long start = System.nanoTime();
      for (int i = 0; i < 4; i++) {
        if (i > 0) {
          LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(600));
        }
        assertThat(kept.send("GET /health/live HTTP/1.1\r\nHost: gateway\r\n\r\n").readResponse()).as("request %d", i)
            .startsWith("HTTP/1.1 200");
      }
      assertThat((System.nanoTime() - start) / 1_000_000).as("the requests outlived the first response's deadline")
          .isGreaterThan(1_500L);
      assertThat(metrics()).doesNotContain("modelmux_connections_closed_total{reason=\"idle_timeout\"} 1.0");
      assertThat(kept.readUntilClosed()).isEmpty();
    }
    assertThat(metrics()).contains("modelmux_connections_closed_total{reason=\"idle_timeout\"} 1.0");
  }

  @Test
  void aConnectionIsClosedAfterTheIdleTimeoutAlsoAfterACompletionRequest(Vertx vertx) throws Exception {
    start(vertx, "header_timeout_ms: 10000, idle_timeout_ms: 300", GatewayFixture.MODELS);
    String body = "{\"model\":\"solo\",\"messages\":[{\"role\":\"user\",\"content\":\"say: ok\"}]}";
    try (RawHttp idle = new RawHttp(gateway.port())) {
      assertThat(idle.send("POST /v1/chat/completions HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n"
          + "Content-Length: " + body.length() + "\r\n\r\n" + body).readResponse()).startsWith("HTTP/1.1 200");
      long start = System.nanoTime();
      assertThat(idle.readUntilClosed()).isEmpty();
      // Closed, and by the idle timeout (the metric's reason says which): no lower bound, as on a busy machine this
      // thread may read the response only after the 300 ms have passed.
      assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(10_000L);
    }
    assertThat(metrics()).contains("modelmux_connections_closed_total{reason=\"idle_timeout\"} 1.0");
  }

  @Test
  void aLongQuietStreamOutlivesBothTimeouts(Vertx vertx) {
    // 1.2 s to the first token and between tokens: the client connection is silent more than twice as long as either timeout.
    start(vertx, "header_timeout_ms: 500, idle_timeout_ms: 500",
        List.of(new EmulatedModel("gpt-4", 1200, 1200, 8192, 0, 0, Fault.NONE), GatewayFixture.MODELS.get(1)),
        GatewayFixture.STANDARD.replace("first_token_ms: 1500, idle_ms: 800", "first_token_ms: 5000, idle_ms: 5000"));
    assertThat(await(client.get("/health/live")).status()).isEqualTo(200); // a cold client can take longer than 500 ms to connect
    StreamReply stream = await(client.stream(ask("solo", "words: 2", true)));
    assertThat(stream.ended()).isTrue();
    assertThat(stream.status()).isEqualTo(200);
    assertThat(stream.text().trim().split(" ")).hasSize(2);
    assertThat(stream.last().data()).isEqualTo("[DONE]");
    Reply whole = await(client.postJson("/v1/chat/completions", ask("solo", "words: 1", false)));
    assertThat(whole.status()).isEqualTo(200);
  }

  @Test
  void connectionsBeyondMaxConnectionsAreClosedAtOnce(Vertx vertx) throws Exception {
    start(vertx, "max_connections: 3", GatewayFixture.MODELS);
    RawHttp[] held = {new RawHttp(gateway.port()), new RawHttp(gateway.port()), new RawHttp(gateway.port())};
    for (RawHttp connection : held) {
      // A served request proves the connection was counted before the next one arrives.
      assertThat(connection.send("GET /health/live HTTP/1.1\r\nHost: gateway\r\n\r\n").readResponse()).startsWith("HTTP/1.1 200");
    }
    try (RawHttp surplus = new RawHttp(gateway.port())) {
      long start = System.nanoTime();
      assertThat(surplus.send("GET /health/live HTTP/1.1\r\nHost: gateway\r\n\r\n").readUntilClosed()).isEmpty();
      assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(1000L);
    }
    // Read over a held connection: a new one could itself be refused while the server has not yet seen the others close.
    assertEventually(() -> {
      try {
        assertThat(held[0].send("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").readResponse())
            .contains("modelmux_connections_refused_total 1.0");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    for (RawHttp connection : held) {
      connection.close();
    }
  }
}
