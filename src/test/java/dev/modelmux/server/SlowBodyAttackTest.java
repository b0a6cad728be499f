package dev.modelmux.server;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.config.AuthConfig;
import dev.modelmux.emulator.Emulator;
import dev.modelmux.emulator.EmulatorConfig;
import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.GatewayProcess;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 22's second attack on a replica with the docs' small heap (-Xmx320m, exit on OutOfMemoryError): 32 connections
 * without a key and 32 with one each declare an 8 MB body, send all but 10 KB of it fast, then one byte a second. The
 * replica lives; every connection is answered (401 at once, 503 beyond the body budget, 408 at the body deadline) or cut
 * within the deadline; a normal request is served meanwhile and after.
 */
class SlowBodyAttackTest {
  private static final int CONNECTIONS = 32;
  private static final long DECLARED = 8_380_000;
  private static final int BODY_TIMEOUT_MS = 6000;
  private static final long SLACK_MS = 20_000;

  private final Vertx vertx = Vertx.vertx();
  private Emulator emulator;
  private GatewayProcess replica;

  @AfterEach
  void stop() {
    if (replica != null) {
      replica.close();
    }
    if (emulator != null) {
      await(emulator.close());
    }
    await(vertx.close());
  }

  /** How one attacking connection ended: the status it was answered with ("reset" when cut without one) and when. */
  private record Outcome(String status, long ms) {}

  @Test
  void slowBodiesWithAndWithoutAKeyNeitherKillTheReplicaNorHoldIt() throws Exception {
    emulator = await(Emulator.start(vertx, new EmulatorConfig("127.0.0.1", 0, GatewayFixture.MODELS)));
    replica = GatewayProcess.start("server: { host: 127.0.0.1, instances: 2, body_idle_ms: 2000, body_timeout_ms: " + BODY_TIMEOUT_MS
        + " }\nauth:\n  mode: keys\n  keys:\n    - id: attacker\n      key_sha256: \"" + HexFormat.of().formatHex(AuthConfig.sha256(BodyIntakeTest.KEY))
        + "\"\n" + GatewayFixture.STANDARD.replace("${EMU}", "http://127.0.0.1:" + emulator.port())
        // a cold replica on a busy machine: the point is the bodies, not the provider's deadlines
        .replace("first_token_ms: 1500, idle_ms: 800", "first_token_ms: 20000, idle_ms: 20000"), GatewayProcess.DOCS_JVM_FLAGS);
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
    assertThat(ask(http).statusCode()).isEqualTo(200);

    ExecutorService attackers = Executors.newFixedThreadPool(2 * CONNECTIONS);
    try {
      long start = System.nanoTime();
      List<Future<Outcome>> keyless = new ArrayList<>();
      List<Future<Outcome>> keyed = new ArrayList<>();
      for (int i = 0; i < CONNECTIONS; i++) {
        keyless.add(attackers.submit(() -> attack(null, start)));
        keyed.add(attackers.submit(() -> attack(BodyIntakeTest.KEY, start)));
      }
      assertThat(ask(http).statusCode()).isEqualTo(200);
      List<Outcome> keylessOutcomes = new ArrayList<>();
      List<Outcome> keyedOutcomes = new ArrayList<>();
      for (int i = 0; i < CONNECTIONS; i++) {
        keylessOutcomes.add(keyless.get(i).get(BODY_TIMEOUT_MS + SLACK_MS * 2, TimeUnit.MILLISECONDS));
        keyedOutcomes.add(keyed.get(i).get(BODY_TIMEOUT_MS + SLACK_MS * 2, TimeUnit.MILLISECONDS));
      }
      assertThat(replica.alive()).as(replica.output()).isTrue();
      // Without a key: refused on the headers (a reset can overtake the 401 since the body was still arriving).
      assertThat(keylessOutcomes).allSatisfy(o -> {
        assertThat(o.status()).isIn("401", "reset");
        assertThat(o.ms()).isLessThan(SLACK_MS);
      });
      assertThat(keylessOutcomes).anySatisfy(o -> assertThat(o.status()).isEqualTo("401"));
      // With a key: those the body budget admits are cut at the body deadline, the others refused at once.
      assertThat(keyedOutcomes).allSatisfy(o -> {
        assertThat(o.status()).isIn("408", "503", "reset");
        assertThat(o.ms()).isLessThan(BODY_TIMEOUT_MS + SLACK_MS);
      });
      assertThat(keyedOutcomes).anySatisfy(o -> assertThat(o.status()).isEqualTo("408"));
      assertThat(ask(http).statusCode()).isEqualTo(200);
      assertThat(replica.alive()).as(replica.output()).isTrue();
    } finally {
      attackers.shutdownNow();
    }
  }

  private HttpResponse<String> ask(HttpClient http) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + replica.port() + "/v1/chat/completions"))
        .timeout(Duration.ofSeconds(30)).header("content-type", "application/json").header("authorization", "Bearer " + BodyIntakeTest.KEY)
        .POST(HttpRequest.BodyPublishers.ofString(BodyIntakeTest.body(200))).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Declares an 8 MB body, sends all but 10 KB of it, then a byte a second (paced by a 1 s read) until answered or cut. */
  private Outcome attack(String key, long start) {
    byte[] piece = new byte[64 * 1024];
    Arrays.fill(piece, (byte) ' ');
    try (Socket socket = new Socket("127.0.0.1", replica.port())) {
      OutputStream out = socket.getOutputStream();
      InputStream in = socket.getInputStream();
      out.write(BodyIntakeTest.head("/v1/chat/completions", DECLARED, key).getBytes(StandardCharsets.ISO_8859_1));
      try {
        for (long sent = 0; sent < DECLARED - 10_000; sent += piece.length) {
          out.write(piece, 0, (int) Math.min(piece.length, DECLARED - 10_000 - sent));
        }
        socket.setSoTimeout(1000);
        while (true) {
          out.write(' ');
          out.flush();
          try {
            int first = in.read();
            return answered(first, in, start);
          } catch (SocketTimeoutException quiet) {
            if ((System.nanoTime() - start) / 1_000_000 > BODY_TIMEOUT_MS + SLACK_MS) {
              return new Outcome("still open", (System.nanoTime() - start) / 1_000_000);
            }
          }
        }
      } catch (IOException writeFailed) {
        socket.setSoTimeout(1000);
        try {
          return answered(in.read(), in, start);
        } catch (IOException reset) {
          return new Outcome("reset", (System.nanoTime() - start) / 1_000_000);
        }
      }
    } catch (IOException e) {
      return new Outcome("reset", (System.nanoTime() - start) / 1_000_000);
    }
  }

  private static Outcome answered(int first, InputStream in, long start) throws IOException {
    long ms = (System.nanoTime() - start) / 1_000_000;
    if (first < 0) {
      return new Outcome("reset", ms);
    }
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    head.write(first);
    for (int i = 0; i < 11; i++) {
      head.write(in.read());
    }
    return new Outcome(head.toString(StandardCharsets.ISO_8859_1).substring(9, 12), ms);
  }
}
