package dev.modelmux.gateway;

import static dev.modelmux.testing.Await.await;
import static dev.modelmux.testing.Eventually.assertEventually;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.emulator.Emulator;
import dev.modelmux.emulator.EmulatorConfig;
import dev.modelmux.server.ModelMux;
import dev.modelmux.testing.CapturedLogs;
import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.TestClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A client that reads slowly pauses the upstream, and that pause is not provider silence: idle_ms never fires on it
 * and no breaker opens, though the upstream stays paused for twice idle_ms. A client that reads nothing is cut off by its own server.client_stall_ms.
 */
@ExtendWith(VertxExtension.class)
class SlowReaderTest {
  /**
   * About 280 KB of events: far more than the socket buffers (send_buffer_bytes 16384; on loopback the kernel's own
   * tuning would hold an answer this size whole) and the gateway's write queue hold.
   */
  private static final String LONG_ANSWER = "words: 1500";

  /**
   * The deployment's idle_ms. The emulated provider shares this JVM, so on a starved machine (20 streams, 2 busy cores)
   * it can really fall silent for a second or two between events; 3 s tells that apart from a pause, which lasts twice as
   * long.
   */
  private static final long IDLE_MS = 3_000;

  private Vertx vertx;
  private Emulator emulator;
  private ModelMux gateway;
  private TestClient client;
  private final ExecutorService readers = Executors.newFixedThreadPool(20);

  @BeforeEach
  void start(Vertx vertx) {
    this.vertx = vertx;
    emulator = await(Emulator.start(vertx, new EmulatorConfig("127.0.0.1", 0, GatewayFixture.MODELS)));
  }

  private void startGateway(long clientStallMs) {
    String yaml = """
        server: { host: 127.0.0.1, port: 0, instances: 1, client_stall_ms: %d, send_buffer_bytes: 16384 }
        resilience: { breaker_failures: 3, breaker_reset_ms: 60000 }
        deployments:
          - { id: emulated, provider: openai, base_url: "http://127.0.0.1:%d/v1", api_key_env: KEY_A, model: gpt-4,
              context_window: 8192, limits: { tpm: 100000000, rpm: 100000 },
              timeouts: { connect_ms: 1000, first_token_ms: 10000, idle_ms: %d, total_ms: 60000 } }
        routes:
          - { name: slow-readers, tiers: [[emulated]] }
        """.formatted(clientStallMs, emulator.port(), IDLE_MS);
    gateway = await(ModelMux.start(vertx, ModelMux.configLoader(GatewayFixture.KEYS::get).parse(yaml)));
    client = new TestClient(vertx, gateway.port());
  }

  @AfterEach
  void stop() {
    readers.shutdownNow();
    if (client != null) {
      await(client.close());
      await(gateway.close());
    }
    await(emulator.close());
  }

  private JsonObject deployment() {
    return await(client.get("/admin/deployments")).json().getJsonArray("deployments").getJsonObject(0);
  }

  @Test
  void twentyStreamsReadAt200BytesPerSecondForLongerThanIdleMsAllComplete() throws Exception {
    startGateway(30_000);
    List<Future<String>> streams = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      streams.add(readers.submit(() -> {
        try (RawStream stream = new RawStream(gateway.port(), LONG_ANSWER)) {
          stream.readAtPace(200, 2 * IDLE_MS); // the gateway's write queue is full all along: it pauses the upstream
          return stream.readToEnd();
        }
      }));
    }
    for (Future<String> stream : streams) {
      String raw = stream.get(60, TimeUnit.SECONDS);
      assertThat(raw).startsWith("HTTP/1.1 200").doesNotContain("went silent").doesNotContain("\"error\"");
      assertThat(raw).contains("data: [DONE]");
    }
    assertThat(deployment().getString("breaker")).isEqualTo("closed");
  }

  @Test
  void aClientThatReadsNothingIsCutOffAtClientStallMsAndNoBreakerOpens() throws Exception {
    startGateway(1_000);
    CapturedLogs logs = CapturedLogs.attach();
    try {
      List<RawStream> stalled = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        stalled.add(new RawStream(gateway.port(), LONG_ANSWER));
      }
      assertEventually(() -> assertThat(accessLines(logs, "outcome=client_stalled")).hasSize(6));
      for (String line : accessLines(logs, "outcome=client_stalled")) {
        long totalMs = Long.parseLong(line.replaceAll(".* total_ms=(\\d+) .*", "$1"));
        assertThat(totalMs).as("ms until cut off, client_stall_ms 1000: " + line).isBetween(1_000L, 4_000L);
      }
      for (RawStream stream : stalled) {
        try (stream) {
          String raw = stream.readToEnd();
          assertThat(raw).startsWith("HTTP/1.1 200").doesNotContain("went silent").doesNotContain("[DONE]");
        }
      }
      assertEventually(() -> assertThat(deployment().getInteger("in_flight")).isZero());
      assertThat(deployment().getString("breaker")).isEqualTo("closed");
      // Neither the provider's fault nor the request's: an outcome of its own.
      assertThat(await(client.get("/metrics")).body().toString())
          .contains("modelmux_attempts_total{deployment=\"emulated\",outcome=\"client_stalled\"} 6.0")
          .contains("modelmux_attempts_total{deployment=\"emulated\",outcome=\"invalid_request\"} 0.0");
    } finally {
      logs.detach();
    }
  }

  private static List<String> accessLines(CapturedLogs logs, String containing) {
    return logs.events.stream().map(e -> e.getFormattedMessage()).filter(m -> m.startsWith("request_id=") && m.contains(containing))
        .toList();
  }

  /** A streamed request on a plain socket with a small receive buffer, read at whatever pace the test sets. */
  private static final class RawStream implements AutoCloseable {
    private final Socket socket = new Socket();
    private final InputStream in;
    private final ByteArrayOutputStream received = new ByteArrayOutputStream();

    RawStream(int port, String userText) throws IOException {
      socket.setReceiveBufferSize(2048);
      socket.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
      socket.setSoTimeout(30_000);
      byte[] body = StreamContractTest.request("slow-readers", userText, true).encode().getBytes(UTF_8);
      OutputStream out = socket.getOutputStream();
      out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
          + "Connection: close\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(UTF_8));
      out.write(body);
      out.flush();
      in = socket.getInputStream();
    }

    /** Reads about {@code bytesPerSecond} for {@code ms}, a tenth of it every 100 ms. */
    void readAtPace(int bytesPerSecond, long ms) throws IOException, InterruptedException {
      byte[] buffer = new byte[bytesPerSecond / 10];
      long end = System.nanoTime() + ms * 1_000_000;
      while (System.nanoTime() < end) {
        int n = in.read(buffer);
        if (n < 0) {
          return;
        }
        received.write(buffer, 0, n);
        Thread.sleep(100);
      }
    }

    /** Everything up to the gateway closing the connection. */
    String readToEnd() {
      try {
        byte[] buffer = new byte[64 * 1024];
        for (int n; (n = in.read(buffer)) >= 0; ) {
          received.write(buffer, 0, n);
        }
      } catch (SocketException reset) {
        // a connection reset ends it too
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return received.toString(UTF_8);
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }
}
