package dev.modelmux.gateway;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.emulator.AnswerText;
import dev.modelmux.emulator.Fault;
import dev.modelmux.emulator.Fault.Kind;
import dev.modelmux.testing.Eventually;
import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.TestClient;
import dev.modelmux.testing.TestClient.Reply;
import dev.modelmux.testing.TestClient.StreamReply;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The stream contract against every emulator fault: failures before the first content event fail over
 * invisibly; failures after it end the stream with an in-band error, never a clean end.
 */
@ExtendWith(VertxExtension.class)
class StreamContractTest {
  private static GatewayFixture fixture;
  private static TestClient client;

  @BeforeAll
  static void start(Vertx vertx) {
    fixture = await(GatewayFixture.start(vertx));
    client = new TestClient(vertx, fixture.port());
  }

  @AfterAll
  static void stop() {
    await(client.close());
    await(fixture.close());
  }

  @AfterEach
  void clearFaults() {
    fixture.emulator.clearFaults();
  }

  static JsonObject request(String model, String userText, boolean stream) {
    return new JsonObject().put("model", model).put("stream", stream)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", userText)));
  }

  static String answer(String userText) {
    return AnswerText.of(new JsonArray().add(new JsonObject().put("role", "user").put("content", userText)));
  }

  private static void assertCompleteStream(StreamReply reply, String userText) {
    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.headers().get("content-type")).startsWith("text/event-stream");
    assertThat(reply.text()).isEqualTo(answer(userText));
    assertThat(reply.last().data()).isEqualTo("[DONE]");
    assertThat(reply.ended()).isTrue();
  }

  private static JsonObject assertEndsWithInBandError(StreamReply reply) {
    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.text()).isNotEmpty();
    assertThat(reply.events()).noneMatch(e -> e.data().equals("[DONE]"));
    JsonObject error = new JsonObject(reply.last().data()).getJsonObject("error");
    assertThat(error).isNotNull();
    assertThat(error.getString("message")).isNotBlank();
    assertThat(error.getString("type")).isNotBlank();
    return error;
  }

  @Test
  void aHealthyStreamIsRelayedExactly() {
    StreamReply reply = await(client.stream(request("solo", "words: 40", true)));
    assertCompleteStream(reply, "words: 40");
    assertThat(reply.headers().get("x-modelmux-deployment")).isEqualTo("a-gpt4");
    assertThat(reply.headers().get("x-modelmux-route")).isEqualTo("solo");
    assertThat(reply.headers().get("x-request-id")).isNotBlank();
  }

  @Test
  void a500BeforeContentFailsOverInvisibly() {
    fixture.emulator.setFault("gpt-4", Fault.status(500).times(1));
    long requestsBefore = fixture.emulator.stats("gpt-4").requests();
    StreamReply reply = await(client.stream(request("code-reasoning", "words: 12", true)));
    assertCompleteStream(reply, "words: 12");
    assertThat(reply.headers().get("x-modelmux-deployment")).isIn("a-gpt4", "b-gpt4");
    assertThat(fixture.emulator.stats("gpt-4").requests() - requestsBefore).as("attempts the emulator saw").isEqualTo(2);
  }

  @Test
  void gpt4DownFallsToTheNextTier() {
    fixture.emulator.setFault("gpt-4", Fault.status(503));
    StreamReply reply = await(client.stream(request("code-reasoning", "words: 12", true)));
    assertCompleteStream(reply, "words: 12");
    assertThat(reply.headers().get("x-modelmux-deployment")).isEqualTo("c-gpt35");
  }

  @Test
  void aResetBeforeHeadersFailsOver() {
    fixture.emulator.setFault("gpt-4", Fault.of(Kind.RESET_BEFORE_HEADERS).times(1));
    assertCompleteStream(await(client.stream(request("code-reasoning", "words: 12", true))), "words: 12");
  }

  @Test
  void aCutBeforeContentFailsOver() {
    fixture.emulator.setFault("gpt-4", Fault.of(Kind.CUT).afterTokens(0).times(1));
    assertCompleteStream(await(client.stream(request("code-reasoning", "words: 12", true))), "words: 12");
  }

  @Test
  void aMalformedChunkBeforeContentFailsOver() {
    fixture.emulator.setFault("gpt-4", Fault.of(Kind.MALFORMED_CHUNK).afterTokens(0).times(1));
    assertCompleteStream(await(client.stream(request("code-reasoning", "words: 12", true))), "words: 12");
  }

  @Test
  void noResponseAtAllHitsTheFirstTokenDeadline() {
    fixture.emulator.setFault("gpt-4", Fault.of(Kind.NO_RESPONSE));
    long start = System.nanoTime();
    StreamReply reply = await(client.stream(request("solo", "hi", true)));
    long elapsedMs = (System.nanoTime() - start) / 1_000_000;
    assertThat(reply.status()).isEqualTo(504);
    assertThat(new JsonObject(reply.raw()).getJsonObject("error").getString("type")).isEqualTo("timeout");
    assertThat(elapsedMs).isBetween(1400L, 5000L);
  }

  @Test
  void aSlowFirstTokenWithinTheDeadlineIsServed() {
    fixture.emulator.setFault("gpt-4", Fault.of(Kind.SLOW_FIRST_TOKEN).delayMs(300));
    assertCompleteStream(await(client.stream(request("solo", "words: 5", true))), "words: 5");
  }

  @Test
  void aFirstTokenPastTheDeadlineFailsOver() {
    fixture.emulator.setFault("gpt-4", Fault.of(Kind.SLOW_FIRST_TOKEN).delayMs(10_000).times(1));
    assertCompleteStream(await(client.stream(request("code-reasoning", "words: 5", true))), "words: 5");
  }

  @Test
  void aStreamCutMidAnswerEndsWithAnInBandError() {
    fixture.emulator.setFault("gpt-4", Fault.of(Kind.CUT).afterTokens(5));
    StreamReply reply = await(client.stream(request("solo", "words: 30", true)));
    assertEndsWithInBandError(reply);
    assertThat(answer("words: 30")).startsWith(reply.text());
  }

  @Test
  void aStallMidAnswerEndsWithAnInBandErrorAtTheIdleDeadline() {
    fixture.emulator.setFault("gpt-4", Fault.of(Kind.STALL).afterTokens(5));
    long start = System.nanoTime();
    StreamReply reply = await(client.stream(request("solo", "words: 30", true)));
    long elapsedMs = (System.nanoTime() - start) / 1_000_000;
    assertThat(assertEndsWithInBandError(reply).getString("type")).isEqualTo("timeout");
    assertThat(elapsedMs).isBetween(700L, 5000L);
  }

  @Test
  void aMalformedChunkMidAnswerEndsWithACleanError() {
    fixture.emulator.setFault("gpt-4", Fault.of(Kind.MALFORMED_CHUNK).afterTokens(4));
    StreamReply reply = await(client.stream(request("solo", "words: 30", true)));
    assertThat(assertEndsWithInBandError(reply).getString("message")).contains("malformed");
  }

  @Test
  void aMissingDoneIsFinalisedAtOnce() {
    fixture.emulator.setFault("gpt-4", Fault.of(Kind.MISSING_DONE));
    long closedBefore = fixture.emulator.stats("gpt-4").peerClosed();
    StreamReply reply = await(client.stream(request("solo", "words: 20", true)));
    assertCompleteStream(reply, "words: 20");
    assertThat(fixture.emulator.stats("gpt-4").peerClosed())
        .as("the client's stream ended while the provider still held its stream open").isEqualTo(closedBefore);
    Eventually.assertEventually(() -> assertThat(fixture.emulator.stats("gpt-4").peerClosed())
        .as("the held-open upstream connection is released after the idle deadline").isEqualTo(closedBefore + 1));
  }

  @Test
  void nonStreamedFailoverAndMalformedAnswer() {
    fixture.emulator.setFault("gpt-4", Fault.status(500).times(1));
    Reply ok = await(client.postJson("/v1/chat/completions", request("code-reasoning", "words: 9", false)));
    assertThat(ok.status()).isEqualTo(200);
    assertThat(ok.json().getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content"))
        .isEqualTo(answer("words: 9"));

    fixture.emulator.setFault("gpt-4", Fault.of(Kind.MALFORMED_CHUNK));
    Reply broken = await(client.postJson("/v1/chat/completions", request("solo", "words: 9", false)));
    assertThat(broken.status()).isEqualTo(502);
    assertThat(broken.json().getJsonObject("error").getString("message")).contains("malformed");
  }

  @Test
  void usageIsReportedOnlyWhenTheClientAskedForIt() {
    StreamReply without = await(client.stream(request("solo", "words: 8", true)));
    assertThat(without.events()).noneMatch(e -> e.data().contains("\"usage\""));

    JsonObject asked = request("solo", "words: 8", true).put("stream_options", new JsonObject().put("include_usage", true));
    StreamReply with = await(client.stream(asked));
    JsonObject usageChunk = new JsonObject(with.events().get(with.events().size() - 2).data());
    assertThat(usageChunk.getJsonArray("choices")).isEmpty();
    assertThat(usageChunk.getJsonObject("usage").getInteger("completion_tokens")).isPositive();
  }
}
