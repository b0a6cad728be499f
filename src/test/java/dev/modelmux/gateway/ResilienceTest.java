package dev.modelmux.gateway;

import static dev.modelmux.testing.Await.await;
import static dev.modelmux.testing.Eventually.assertEventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.emulator.Fault;
import dev.modelmux.emulator.Fault.Kind;
import dev.modelmux.testing.CapturedLogs;
import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.TestClient;
import dev.modelmux.testing.TestClient.Reply;
import dev.modelmux.testing.TestClient.StreamReply;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Retries, breakers, deadlines and trimmed fallback against the emulator's faults, with the attempts it saw. */
@ExtendWith(VertxExtension.class)
class ResilienceTest {
  static final String RESILIENCE = "resilience: { breaker_failures: 3, breaker_reset_ms: 600, retry_backoff_ms: 10 }\n";
  static final String ROUTES = """
        - name: primary-then-small
          tiers: [[a-gpt4], [c-gpt35]]
        - name: filter-fails-over
          failover_on_content_filter: true
          tiers: [[a-gpt4], [c-gpt35]]
      """;

  private GatewayFixture fixture;
  private TestClient client;

  @BeforeEach
  void start(Vertx vertx) {
    fixture = await(GatewayFixture.start(vertx, GatewayFixture.MODELS, GatewayFixture.STANDARD + ROUTES, RESILIENCE));
    client = new TestClient(vertx, fixture.port());
  }

  @AfterEach
  void stop() {
    await(client.close());
    await(fixture.close());
  }

  private Reply ask(String route, String text) {
    return await(client.postJson("/v1/chat/completions", new JsonObject().put("model", route)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", text)))));
  }

  private JsonObject admin(String deployment) {
    return await(client.get("/admin/deployments")).json().getJsonArray("deployments").stream().map(JsonObject.class::cast)
        .filter(r -> r.getString("id").equals(deployment)).findFirst().orElseThrow();
  }

  private long gpt4Requests() {
    return fixture.emulator.stats("gpt-4").requests();
  }

  @Test
  void a500OnceIsRetriedOnTheSameDeployment() {
    fixture.emulator.setFault("gpt-4", Fault.status(500).times(1));
    Reply reply = ask("solo", "say: second time lucky");
    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.headers().get("x-modelmux-deployment")).isEqualTo("a-gpt4");
    assertThat(reply.headers().get("x-modelmux-attempts")).isEqualTo("2");
    assertThat(reply.headers().get("x-modelmux-fallbacks")).isEqualTo("0");
    assertThat(gpt4Requests()).isEqualTo(2);
  }

  @Test
  void aShort429OnTheLastCandidateIsWaitedOut() {
    fixture.emulator.setFault("gpt-4", Fault.status(429).times(1)); // the emulator asks for retry-after: 1
    long start = System.nanoTime();
    Reply reply = ask("solo", "hi");
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.headers().get("x-modelmux-attempts")).isEqualTo("2");
    assertThat(ms).isBetween(900L, 4000L);
  }

  @Test
  void a429ForeverIsWaitedOutOnceThenReturnedWithRetryAfter() {
    fixture.emulator.setFault("gpt-4", Fault.status(429));
    Reply reply = ask("solo", "hi");
    assertThat(reply.status()).isEqualTo(429);
    assertThat(reply.headers().get("retry-after")).isNotBlank();
    assertThat(gpt4Requests()).as("one wait, never a tight loop").isEqualTo(2);
  }

  @Test
  void aShort429OnTheBetterTierIsWaitedOutOnceBeforeDegrading() {
    fixture.emulator.setFault("gpt-4", Fault.status(429).times(1)); // retry-after: 1
    Reply reply = ask("primary-then-small", "hi");
    assertThat(reply.headers().get("x-modelmux-deployment")).as("the better model, a second later").isEqualTo("a-gpt4");
    assertThat(fixture.emulator.stats("gpt-3.5-turbo").requests()).isZero();

    fixture.emulator.setFault("gpt-4", Fault.status(429));
    Reply degraded = ask("primary-then-small", "hi");
    assertThat(degraded.headers().get("x-modelmux-deployment")).isEqualTo("c-gpt35");
    assertThat(gpt4Requests()).as("one wait, then the lower tier").isEqualTo(4);
  }

  @Test
  void aShort429TriesTheInterchangeableDeploymentOfTheSameTierFirst() {
    fixture.emulator.setFault("gpt-4", Fault.status(429).times(1));
    Reply reply = ask("code-reasoning", "hi");
    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.headers().get("x-modelmux-deployment")).isIn("a-gpt4", "b-gpt4");
    assertThat(reply.headers().get("x-modelmux-fallbacks")).isEqualTo("1");
    assertThat(gpt4Requests()).isEqualTo(2);
    assertThat(fixture.emulator.stats("gpt-3.5-turbo").requests()).isZero();
  }

  @Test
  void aResetBeforeHeadersIsRetriedOnce() {
    fixture.emulator.setFault("gpt-4", Fault.of(Kind.RESET_BEFORE_HEADERS).times(1));
    Reply reply = ask("solo", "hi");
    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.headers().get("x-modelmux-attempts")).isEqualTo("2");
  }

  @Test
  void a503ForeverFallsToTheNextTierAndTheAnswerTellsTheTruth() {
    fixture.emulator.setFault("gpt-4", Fault.status(503));
    Reply reply = ask("code-reasoning", "words: 12");
    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.headers().get("x-modelmux-deployment")).isEqualTo("c-gpt35");
    assertThat(reply.headers().get("x-modelmux-attempts")).isEqualTo("3");
    assertThat(reply.headers().get("x-modelmux-fallbacks")).isEqualTo("2");
    assertThat(reply.json().getString("model")).isEqualTo("gpt-3.5-turbo");
    assertThat(reply.json().getJsonObject("usage").getInteger("completion_tokens"))
        .isEqualTo(fixture.emulator.stats("gpt-3.5-turbo").completionTokens());
    assertThat(gpt4Requests()).as("503 is not retried on the same deployment").isEqualTo(2);
  }

  @Test
  void aSilentProviderIsAbandonedAtItsFirstDeadlineAndNotRetried() {
    fixture.emulator.setFault("gpt-4", Fault.of(Kind.NO_RESPONSE));
    long start = System.nanoTime();
    StreamReply reply = await(client.stream(new JsonObject().put("model", "solo").put("stream", true)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")))));
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertThat(reply.status()).isEqualTo(504);
    assertThat(ms).isBetween(1400L, 4000L);
    assertThat(gpt4Requests()).isEqualTo(1);
  }

  @Test
  void aDeadPrimaryOpensItsBreakerIsProbedAndTrafficReturns() {
    fixture.emulator.setFault("gpt-4", Fault.status(503));
    for (int i = 0; i < 3; i++) {
      assertThat(ask("primary-then-small", "hi").headers().get("x-modelmux-deployment")).isEqualTo("c-gpt35");
    }
    assertThat(gpt4Requests()).isEqualTo(3);
    assertThat(admin("a-gpt4").getString("breaker")).isEqualTo("open");
    assertThat(admin("a-gpt4").getLong("paused_for_ms")).isPositive();
    assertThat(ask("primary-then-small", "hi").headers().get("x-modelmux-deployment")).isEqualTo("c-gpt35");
    assertThat(gpt4Requests()).as("an open breaker is skipped without a call").isEqualTo(3);

    fixture.emulator.setFault("gpt-4", Fault.NONE);
    assertEventually(() -> assertThat(admin("a-gpt4").getString("breaker")).isEqualTo("half_open"));
    Reply probe = ask("primary-then-small", "hi");
    assertThat(probe.headers().get("x-modelmux-deployment")).isEqualTo("a-gpt4");
    assertThat(admin("a-gpt4").getString("breaker")).isEqualTo("closed");
    assertThat(ask("primary-then-small", "hi").headers().get("x-modelmux-deployment")).isEqualTo("a-gpt4");
  }

  @Test
  void aContentFilterRefusalIsTheAnswerUnlessTheRouteSaysOtherwise() {
    fixture.emulator.setFault("gpt-4", Fault.of(Kind.CONTENT_FILTER));
    Reply refused = ask("primary-then-small", "hi");
    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.json().getJsonObject("error").getString("code")).isEqualTo("content_filter");
    assertThat(gpt4Requests()).as("never retried on the same model").isEqualTo(1);
    assertThat(fixture.emulator.stats("gpt-3.5-turbo").requests()).isZero();

    Reply served = ask("filter-fails-over", "hi");
    assertThat(served.status()).isEqualTo(200);
    assertThat(served.headers().get("x-modelmux-deployment")).isEqualTo("c-gpt35");
  }

  @Test
  void streamsThatDieMidAnswerCountAgainstTheBreaker() {
    fixture.emulator.setFault("gpt-4", Fault.of(Kind.CUT).afterTokens(3));
    for (int i = 0; i < 3; i++) {
      StreamReply reply = await(client.stream(new JsonObject().put("model", "primary-then-small").put("stream", true)
          .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "words: 20")))));
      assertThat(reply.last().data()).as("continued on the next tier (the default)").isEqualTo("[DONE]");
    }
    assertThat(fixture.emulator.stats("gpt-3.5-turbo").requests()).isEqualTo(3);
    assertThat(admin("a-gpt4").getString("breaker")).isEqualTo("open");
  }

  @Test
  void theAccessLogOfAStreamThatDiedMidAnswerCountsWhatWasSent() {
    fixture.emulator.setFault("gpt-4", Fault.of(Kind.CUT).afterTokens(3));
    CapturedLogs logs = CapturedLogs.attach();
    try {
      StreamReply reply = await(client.stream(new JsonObject().put("model", "solo").put("stream", true)
          .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "words: 20")))));
      assertThat(new JsonObject(reply.last().data()).getJsonObject("error")).isNotNull();
      assertEventually(() -> assertThat(logs.events).anyMatch(e -> e.getFormattedMessage().contains("outcome=failed_mid_stream")));
      String line = logs.events.stream().map(e -> e.getFormattedMessage()).filter(m -> m.contains("outcome=failed_mid_stream"))
          .findFirst().orElseThrow();
      assertThat(line).doesNotContain("=-1").containsPattern("prompt_tokens=[1-9]").containsPattern("completion_tokens=[1-9]");
    } finally {
      logs.detach();
    }
  }

  @Test
  void clientErrorsDoNotOpenTheBreaker() {
    fixture.emulator.setFault("gpt-4", Fault.status(400));
    for (int i = 0; i < 5; i++) {
      assertThat(ask("solo", "hi").status()).isEqualTo(400);
    }
    assertThat(admin("a-gpt4").getString("breaker")).isEqualTo("closed");
  }

  @Test
  void aSmallerFallbackGetsATrimmedContextAndSaysSo() {
    fixture.emulator.setFault("gpt-4", Fault.status(503));
    JsonArray messages = new JsonArray().add(new JsonObject().put("role", "system").put("content", "You review code."));
    for (int i = 0; i < 12; i++) {
      messages.add(new JsonObject().put("role", "user").put("content", "Old question " + i + ": " + "context ".repeat(400)));
      messages.add(new JsonObject().put("role", "assistant").put("content", "Old answer " + i));
    }
    messages.add(new JsonObject().put("role", "user").put("content", "say: trimmed and still answered"));
    Reply reply = await(client.postJson("/v1/chat/completions", new JsonObject().put("model", "primary-then-small").put("messages", messages)));
    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.headers().get("x-modelmux-deployment")).isEqualTo("c-gpt35");
    assertThat(Integer.parseInt(reply.headers().get("x-modelmux-context-trimmed"))).isGreaterThan(1000);
    assertThat(reply.json().getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content"))
        .isEqualTo("trimmed and still answered");
    assertThat(reply.json().getJsonObject("usage").getInteger("prompt_tokens")).isLessThan(4096);
  }
}
