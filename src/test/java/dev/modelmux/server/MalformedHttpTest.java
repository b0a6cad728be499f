package dev.modelmux.server;

import static dev.modelmux.testing.Await.await;
import static dev.modelmux.testing.Eventually.assertEventually;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.modelmux.testing.CapturedLogs;
import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.RawHttp;
import dev.modelmux.testing.TestClient;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Requests that are not valid HTTP get a short error in the client's dialect and one WARN line, never a stack trace. */
@ExtendWith(VertxExtension.class)
class MalformedHttpTest {
  private static GatewayFixture fixture;
  private static TestClient client;
  private static CapturedLogs logs;
  private int logsBefore;

  @BeforeAll
  static void start(Vertx vertx) {
    logs = CapturedLogs.attach();
    fixture = await(GatewayFixture.start(vertx));
    client = new TestClient(vertx, fixture.port());
  }

  @AfterAll
  static void stop() {
    logs.detach();
    await(client.close());
    await(fixture.close());
  }

  @AfterEach
  void theGatewayStillServes() {
    assertThat(await(client.get("/health/live")).status()).isEqualTo(200);
  }

  private String send(String request) throws Exception {
    logsBefore = logs.events.size();
    try (RawHttp raw = new RawHttp(fixture.port())) {
      return raw.send(request).readUntilClosed();
    }
  }

  /** The status, and the error body in the dialect of {@code path}, with exactly one WARN line and no stack trace logged. */
  private void assertAnswered(String response, int status, String path) {
    assertThat(response).startsWith("HTTP/1.").contains(" " + status + " ");
    String body = response.substring(response.indexOf("\r\n\r\n") + 4);
    assertThat(body.length()).isLessThan(300);
    JsonObject json = new JsonObject(body);
    if (path.equals("/v1/messages")) {
      assertThat(json.getString("type")).isEqualTo("error");
      assertThat(json.getJsonObject("error").getString("type")).isIn("invalid_request_error", "request_too_large");
    } else {
      assertThat(json.getJsonObject("error").fieldNames()).containsExactlyInAnyOrder("message", "type", "param", "code");
    }
    assertEventually(() -> {
      List<ILoggingEvent> events = logs.events.subList(logsBefore, logs.events.size());
      assertThat(events).filteredOn(e -> e.getLevel() == Level.WARN).singleElement()
          .satisfies(e -> assertThat(e.getFormattedMessage()).contains("malformed HTTP", "answered " + status));
      assertThat(events).allSatisfy(e -> {
        assertThat(e.getThrowableProxy()).isNull();
        assertThat(e.getLevel()).isNotEqualTo(Level.ERROR);
      });
    });
  }

  @ParameterizedTest
  @ValueSource(strings = {"/v1/chat/completions", "/v1/messages"})
  void aBadChunkSize(String path) throws Exception {
    String response = send("POST " + path + " HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n"
        + "Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n");
    assertAnswered(response, 400, path);
  }

  @ParameterizedTest
  @ValueSource(strings = {"/v1/chat/completions", "/v1/messages"})
  void aBadContentLength(String path) throws Exception {
    String response = send("POST " + path + " HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n"
        + "Content-Length: twelve\r\n\r\n{\"model\":\"x\"}");
    assertAnswered(response, 400, path);
  }

  @ParameterizedTest
  @ValueSource(strings = {"/v1/chat/completions", "/v1/messages"})
  void a20KilobyteHeader(String path) throws Exception {
    String response = send("POST " + path + " HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n"
        + "X-Padding: " + "a".repeat(20 * 1024) + "\r\nContent-Length: 2\r\n\r\n{}");
    assertAnswered(response, 431, path);
  }

  @ParameterizedTest
  @ValueSource(strings = {"/v1/chat/completions", "/v1/messages"})
  void aRequestLineOverTheLimitIsAnsweredInOpenAisDialectSinceItsPathIsLost(String path) throws Exception {
    String response = send("POST " + path + "?pad=" + "a".repeat(20 * 1024) + " HTTP/1.1\r\nHost: gateway\r\n\r\n");
    assertAnswered(response, 414, "/v1/chat/completions");
  }
}
