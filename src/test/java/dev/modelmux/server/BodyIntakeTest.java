package dev.modelmux.server;

import static dev.modelmux.testing.Await.await;
import static dev.modelmux.testing.Eventually.assertEventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.config.AuthConfig;
import dev.modelmux.emulator.Emulator;
import dev.modelmux.emulator.EmulatorConfig;
import dev.modelmux.testing.CapturedLogs;
import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.RawHttp;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A request body costs nothing before its key is checked, must arrive within its deadlines, and fits in the process's
 * budget of body bytes in flight; replies that say {@code connection: close} close it; the small HTTP edges answer in JSON.
 */
@ExtendWith(VertxExtension.class)
class BodyIntakeTest {
  static final String KEY = "sk-client-intake-5c1e0a77";
  private static final int IDLE_MS = 2_000;
  private static final int TOTAL_MS = 4_000;
  private static final int IN_FLIGHT = 150_000;
  private static Emulator emulator;
  private static ModelMux gateway;
  private static CapturedLogs logs;

  @BeforeAll
  static void start(Vertx vertx) {
    logs = CapturedLogs.attach();
    emulator = await(Emulator.start(vertx, new EmulatorConfig("127.0.0.1", 0, GatewayFixture.MODELS)));
    String yaml = "server: { host: 127.0.0.1, port: 0, instances: 1, max_body_bytes: 100000, body_idle_ms: " + IDLE_MS
        + ", body_timeout_ms: " + TOTAL_MS + ", max_body_bytes_in_flight: " + IN_FLIGHT + " }\n"
        + "auth:\n  mode: keys\n  keys:\n    - id: intake\n      key_sha256: \"" + HexFormat.of().formatHex(AuthConfig.sha256(KEY)) + "\"\n"
        + GatewayFixture.STANDARD.replace("${EMU}", "http://127.0.0.1:" + emulator.port());
    gateway = await(ModelMux.start(vertx, ModelMux.configLoader(GatewayFixture.KEYS::get).parse(yaml)));
  }

  @AfterAll
  static void stop() {
    logs.detach();
    await(gateway.close());
    await(emulator.close());
  }

  /** A completion request of exactly {@code length} bytes (the prompt padded with spaces). */
  static String body(int length) {
    String start = "{\"model\":\"solo\",\"messages\":[{\"role\":\"user\",\"content\":\"say: ok\"}]";
    return start + " ".repeat(length - start.length() - 1) + "}";
  }

  static String head(String path, long contentLength, String key) {
    return "POST " + path + " HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n"
        + (key == null ? "" : "Authorization: Bearer " + key + "\r\n") + "Content-Length: " + contentLength + "\r\n\r\n";
  }

  private RawHttp connect() throws Exception {
    RawHttp raw = new RawHttp(gateway.port());
    raw.setTimeoutMs(5000);
    return raw;
  }

  /** An exchange for {@code assertEventually}: an I/O failure is a failed attempt, retried like a failed assertion. */
  private interface Exchange {
    void run() throws Exception;
  }

  private static Runnable retried(Exchange exchange) {
    return () -> {
      try {
        exchange.run();
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    };
  }

  private static long msSince(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }

  private static JsonObject json(String response) {
    return new JsonObject(response.substring(response.indexOf("\r\n\r\n") + 4));
  }

  @ParameterizedTest
  @ValueSource(longs = {90_000, 8_380_000})
  void aKeylessRequestIsRefusedOnItsHeadersWithoutWaitingForItsBody(long declared) throws Exception {
    try (RawHttp raw = connect()) {
      String response = raw.send(head("/v1/chat/completions", declared, null) + "{\"model\":").readUntilClosed();
      assertThat(response).startsWith("HTTP/1.1 401").containsIgnoringCase("connection: close");
      // A 401, not a 408 nor a 413: answered on the headers, without waiting for (or measuring) the body.
      assertThat(json(response).getJsonObject("error").getString("message")).contains("Missing API key");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"/v1/chat/completions", "/v1/messages"})
  void aBodyThatStopsGets408AfterTheIdleDeadlineInItsDialect(String path) throws Exception {
    try (RawHttp raw = connect()) {
      long start = System.nanoTime();
      String response = raw.send(head(path, 1000, KEY) + "{\"model\":").readUntilClosed();
      assertThat(response).startsWith("HTTP/1.1 408").containsIgnoringCase("connection: close");
      assertThat(msSince(start)).isBetween(IDLE_MS - 50L, TOTAL_MS + 3000L);
      JsonObject error = json(response);
      if (path.equals("/v1/messages")) {
        assertThat(error.getJsonObject("error").getString("type")).isEqualTo("timeout_error");
      } else {
        assertThat(error.getJsonObject("error").getString("type")).isEqualTo("timeout");
      }
    }
  }

  /** Pieces apart by less than the idle deadline, cut inside the model's value and inside a two-byte character: read whole. */
  @Test
  void aBodySplitAcrossChunksIsReadWhole() throws Exception {
    byte[] body = "{\"model\":\"solo\",\"messages\":[{\"role\":\"user\",\"content\":\"say: split-ok \u00e9\"}]}"
        .getBytes(StandardCharsets.UTF_8);
    String latin1 = new String(body, StandardCharsets.ISO_8859_1);
    int inModel = latin1.indexOf("solo") + 2;
    int inCharacter = latin1.indexOf('\u00c3') + 1;
    try (RawHttp raw = connect()) {
      raw.send(head("/v1/chat/completions", body.length, KEY) + latin1.substring(0, inModel));
      Thread.sleep(300);
      raw.send(latin1.substring(inModel, inCharacter));
      Thread.sleep(300);
      String response = raw.send(latin1.substring(inCharacter)).readResponse();
      assertThat(response).startsWith("HTTP/1.1 200").contains("split-ok");
    }
  }

  @Test
  void aBodyThatTricklesGets408AfterTheTotalDeadline() throws Exception {
    ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
    try (RawHttp raw = connect()) {
      long start = System.nanoTime();
      raw.send(head("/v1/chat/completions", 1000, KEY));
      trickle.scheduleAtFixedRate(() -> {
        try {
          raw.send(" ");
        } catch (Exception closed) {
          throw new IllegalStateException(closed); // ends the schedule
        }
      }, 0, IDLE_MS / 5, TimeUnit.MILLISECONDS);
      String response = raw.readUntilClosed();
      assertThat(response).startsWith("HTTP/1.1 408");
      assertThat(msSince(start)).isBetween(TOTAL_MS - 50L, TOTAL_MS + 3000L);
    } finally {
      trickle.shutdownNow();
    }
  }

  @Test
  void bodiesBeyondTheInFlightBudgetAreRefusedUntilTheOthersAreRead() throws Exception {
    String held = body(90_000);
    try (RawHttp first = connect()) {
      first.send(head("/v1/chat/completions", held.length(), KEY) + held.substring(0, 1000));
      assertEventually(retried(() -> {
        try (RawHttp second = connect()) {
          String refused = second.send(head("/v1/chat/completions", 90_000, KEY)).readUntilClosed();
          assertThat(refused).startsWith("HTTP/1.1 503").containsIgnoringCase("retry-after:").containsIgnoringCase("connection: close");
        }
      }));
      try (RawHttp anthropic = connect()) {
        assertThat(anthropic.send(head("/v1/messages", 90_000, KEY)).readUntilClosed()).startsWith("HTTP/1.1 529");
      }
      try (RawHttp chunked = connect()) {
        String response = chunked.send("POST /v1/chat/completions HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n"
            + "Authorization: Bearer " + KEY + "\r\nTransfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(70_000) + "\r\n"
            + " ".repeat(70_000) + "\r\n").readUntilClosed();
        assertThat(response).startsWith("HTTP/1.1 503");
      }
      first.send(held.substring(1000));
      assertThat(first.readResponse()).startsWith("HTTP/1.1 200");
    }
    // The first body was read, the refused ones never were: the whole budget is free again.
    try (RawHttp later = connect()) {
      assertThat(later.send(head("/v1/chat/completions", held.length(), KEY) + held).readResponse()).startsWith("HTTP/1.1 200");
    }
  }

  @Test
  void theBudgetIsGivenBackWhenABodyTimesOutOrItsClientLeaves() throws Exception {
    String big = body(70_000);
    try (RawHttp leaves = connect()) {
      leaves.send(head("/v1/chat/completions", big.length(), KEY) + "{");
    }
    try (RawHttp stalls = connect()) {
      assertThat(stalls.send(head("/v1/chat/completions", big.length(), KEY) + "{").readUntilClosed()).startsWith("HTTP/1.1 408");
    }
    assertEventually(retried(() -> {
      try (RawHttp one = connect(); RawHttp two = connect()) {
        one.send(head("/v1/chat/completions", big.length(), KEY) + big.substring(0, 10));
        two.send(head("/v1/chat/completions", big.length(), KEY) + big);
        assertThat(two.readResponse()).startsWith("HTTP/1.1 200");
      }
    }));
  }

  @Test
  void aBodyOverTheLimitIs413AndTheConnectionClosesAtOnce() throws Exception {
    try (RawHttp raw = connect()) {
      long start = System.nanoTime();
      String response = raw.send(head("/v1/chat/completions", 200_000, KEY) + "{").readUntilClosed();
      assertThat(response).startsWith("HTTP/1.1 413").containsIgnoringCase("connection: close");
      assertThat(json(response).getJsonObject("error").getString("message")).contains("100000 bytes");
      assertThat(msSince(start)).isLessThan(3000);
    }
  }

  @Test
  void feedbackOverItsLimitNamesItsOwnLimit() throws Exception {
    try (RawHttp raw = connect()) {
      String response = raw.send(head("/v1/feedback", 300_000, KEY) + "{").readUntilClosed();
      assertThat(response).startsWith("HTTP/1.1 413");
      assertThat(json(response).getJsonObject("error").getString("message")).contains("262144 bytes").doesNotContain("100000");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"/v1/chat/completions", "/v1/messages"})
  void anExpectationOtherThan100ContinueIs417InJson(String path) throws Exception {
    String body = body(200);
    try (RawHttp raw = connect()) {
      String response = raw.send(head(path, body.length(), KEY).replace("\r\n\r\n", "\r\nExpect: 999-nope\r\n\r\n")).readUntilClosed();
      assertThat(response).startsWith("HTTP/1.1 417");
      assertThat(json(response).getJsonObject("error").getString("message")).contains("999-nope");
    }
  }

  @Test
  void expect100ContinueIsInvitedOnlyOnceTheKeyIsChecked() throws Exception {
    String body = body(200);
    try (RawHttp raw = connect()) {
      raw.send(head("/v1/chat/completions", body.length(), KEY).replace("\r\n\r\n", "\r\nExpect: 100-continue\r\n\r\n"));
      assertThat(raw.readHead()).startsWith("HTTP/1.1 100");
      assertThat(raw.send(body).readResponse()).startsWith("HTTP/1.1 200");
    }
    try (RawHttp keyless = connect()) {
      String response = keyless.send(head("/v1/chat/completions", body.length(), null)
          .replace("\r\n\r\n", "\r\nExpect: 100-continue\r\n\r\n")).readUntilClosed();
      assertThat(response).startsWith("HTTP/1.1 401");
    }
  }

  @Test
  void anUnknownHttpVersionIs505InJson() throws Exception {
    try (RawHttp raw = connect()) {
      String response = raw.send("GET /health/live HTTP/9.9\r\nHost: gateway\r\n\r\n").readUntilClosed();
      assertThat(response).startsWith("HTTP/1.1 505");
      assertThat(json(response).getJsonObject("error").getString("message")).contains("HTTP/1.1");
    }
  }

  @Test
  void theHttp2PrefaceIsRefusedClearly() throws Exception {
    try (RawHttp raw = connect()) {
      String response = raw.send("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").readUntilClosed();
      assertThat(response).startsWith("HTTP/1.1 505");
      assertThat(json(response).getJsonObject("error").getString("message")).contains("HTTP/2");
    }
  }

  @Test
  void aClientThatHalfClosesAfterItsRequestGetsItsAnswer() throws Exception {
    String body = body(300);
    int before = logs.events.size();
    try (RawHttp raw = connect()) {
      String response = raw.send(head("/v1/chat/completions", body.length(), KEY).replace("\r\n\r\n", "\r\nX-Request-Id: half-close-1\r\n\r\n")
          + body).halfClose().readUntilClosed();
      // Interim 100 Continue responses probe whether the client is still there (a client that left answers them with a reset).
      assertThat(response.replaceFirst("^(HTTP/1\\.1 100 Continue\r\n\r\n)+", "")).startsWith("HTTP/1.1 200").contains("chat.completion");
    }
    assertEventually(() -> assertThat(List.copyOf(logs.events).subList(before, logs.events.size()))
        .anySatisfy(e -> assertThat(e.getFormattedMessage()).contains("request_id=half-close-1", "status=200")));
    assertThat(List.copyOf(logs.events).subList(before, logs.events.size()))
        .noneSatisfy(e -> assertThat(e.getFormattedMessage()).contains("half-close-1").contains("status=499"));
  }
}
