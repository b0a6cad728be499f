package dev.modelmux.gateway;

import static dev.modelmux.testing.Await.await;
import static dev.modelmux.testing.Eventually.assertEventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.emulator.EmulatedModel;
import dev.modelmux.emulator.Fault;
import dev.modelmux.emulator.Fault.Kind;
import dev.modelmux.testing.CapturedLogs;
import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.TestClient;
import dev.modelmux.testing.TestClient.Reply;
import dev.modelmux.testing.TestClient.StreamReply;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What counts for and against a deployment's breaker: a half-open probe is resolved by its first content, a client
 * that leaves says nothing about the provider, and an account out of quota is paused for long instead of being tried
 * first on every request.
 */
@ExtendWith(VertxExtension.class)
class BreakerSemanticsTest {
  private static final String RESILIENCE = "resilience: { breaker_failures: 2, breaker_reset_ms: 300, retry_backoff_ms: 0 }\n";
  private static final List<EmulatedModel> MODELS = List.of(
      new EmulatedModel("gpt-4", 0, 100, 8192, 0, 0, Fault.NONE), // a steady stream: "words: 30" takes about 3 s
      new EmulatedModel("gpt-3.5-turbo", 0, 0, 4096, 0, 0, Fault.NONE));

  private Vertx vertx;
  private GatewayFixture fixture;
  private TestClient client;
  private HttpServer outOfQuota;
  private final AtomicInteger quotaCalls = new AtomicInteger();

  @BeforeEach
  void start(Vertx vertx) {
    this.vertx = vertx;
    outOfQuota = await(vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
      quotaCalls.incrementAndGet();
      boolean anthropic = req.path().equals("/v1/messages");
      req.response().setStatusCode(anthropic ? 400 : 429).putHeader("content-type", "application/json").end(anthropic
          ? "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"Your credit balance is too low to access"
              + " the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits.\"}}"
          : "{\"error\":{\"message\":\"You exceeded your current quota, please check your plan and billing details.\","
              + "\"type\":\"insufficient_quota\",\"param\":null,\"code\":\"insufficient_quota\"}}");
    })).listen(0, "127.0.0.1"));
    String quotaUrl = "http://127.0.0.1:" + outOfQuota.actualPort();
    String deployments = GatewayFixture.STANDARD.replace("routes:\n", """
          - id: broke-openai
            provider: openai
            base_url: %1$s/v1
            api_key_env: KEY_B
            model: gpt-4
            context_window: 8192
            limits: { tpm: 1000000, rpm: 10000 }
          - id: broke-anthropic
            provider: anthropic
            base_url: %1$s
            api_key_env: KEY_B
            model: claude-2
            context_window: 100000
            limits: { tpm: 1000000, rpm: 10000 }
        routes:
          - name: broke-first
            tiers: [[broke-openai], [broke-anthropic], [c-gpt35]]
          - name: primary-then-small
            tiers: [[a-gpt4], [c-gpt35]]
        """.formatted(quotaUrl));
    fixture = await(GatewayFixture.start(vertx, MODELS, deployments, RESILIENCE));
    client = new TestClient(vertx, fixture.port());
  }

  @AfterEach
  void stop() {
    await(client.close());
    await(fixture.close());
    await(outOfQuota.close());
  }

  @Test
  void aHalfOpenProbeClosesTheBreakerAtItsFirstContentNotAtTheEndOfALongAnswer() {
    openTheBreakerOfGpt4();
    fixture.emulator.setFault("gpt-4", Fault.NONE);
    assertEventually(() -> assertThat(breaker("a-gpt4")).isEqualTo("half_open"));

    Future<StreamReply> probe = client.stream(chat("primary-then-small", "words: 30").put("stream", true));
    assertEventually(() -> assertThat(breaker("a-gpt4")).isEqualTo("closed"));
    assertThat(probe.isComplete()).as("the probe's answer is still streaming").isFalse();
    StreamReply answer = await(probe);
    assertThat(answer.headers().get("x-modelmux-deployment")).isEqualTo("a-gpt4");
    assertThat(answer.last().dataIs("[DONE]")).isTrue();
  }

  @Test
  void aClientThatLeavesDuringTheProbeNeitherClosesNorReopensTheBreaker() {
    openTheBreakerOfGpt4();
    fixture.emulator.setFault("gpt-4", Fault.of(Kind.SLOW_FIRST_TOKEN).delayMs(1000));
    assertEventually(() -> assertThat(breaker("a-gpt4")).isEqualTo("half_open"));
    long before = fixture.emulator.stats("gpt-4").requests();

    HttpClient leaving = vertx.createHttpClient();
    HttpClientRequest request = await(leaving.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
        .setPort(fixture.port()).setURI("/v1/chat/completions").putHeader("content-type", "application/json")));
    request.send(chat("primary-then-small", "hi").put("stream", true).encode());
    assertEventually(() -> assertThat(fixture.emulator.stats("gpt-4").requests()).isEqualTo(before + 1));
    request.reset();
    assertEventually(() -> assertThat(inFlight("a-gpt4")).isZero());
    assertThat(breaker("a-gpt4")).as("a departed client is not a success").isEqualTo("half_open");

    fixture.emulator.setFault("gpt-4", Fault.NONE);
    Reply next = await(client.postJson("/v1/chat/completions", chat("primary-then-small", "say: ok")));
    assertThat(next.headers().get("x-modelmux-deployment")).as("the probe's place was given back").isEqualTo("a-gpt4");
    assertThat(breaker("a-gpt4")).isEqualTo("closed");
    await(leaving.close());
  }

  @Test
  void anAccountOutOfQuotaOrCreditIsPausedForLongAndReportedOnce() {
    CapturedLogs logs = CapturedLogs.attach();
    try {
      Reply first = await(client.postJson("/v1/chat/completions", chat("broke-first", "hi")));
      assertThat(first.status()).isEqualTo(200);
      assertThat(first.headers().get("x-modelmux-deployment")).isEqualTo("c-gpt35");
      assertThat(quotaCalls.get()).as("each broke account tried once").isEqualTo(2);

      for (int i = 0; i < 3; i++) {
        assertThat(await(client.postJson("/v1/chat/completions", chat("broke-first", "hi"))).status()).isEqualTo(200);
      }
      assertThat(quotaCalls.get()).as("paused accounts are not tried first on every request").isEqualTo(2);
      assertThat(admin("broke-openai").getLong("paused_for_ms")).isGreaterThan(60_000);
      assertThat(admin("broke-anthropic").getLong("paused_for_ms")).isGreaterThan(60_000);
      assertThat(breaker("broke-openai")).isEqualTo("closed");
      assertThat(logs.events.stream().filter(e -> e.getFormattedMessage().contains("CONFIGURATION ALERT")))
          .extracting(e -> e.getLevel().toString()).containsExactly("ERROR", "ERROR");
      String metrics = await(client.get("/metrics")).body().toString();
      assertThat(metrics).containsPattern("modelmux_pauses_total\\{deployment=\"broke-openai\",reason=\"quota_exhausted\"[^}]*} 1.0");
    } finally {
      logs.detach();
    }
  }

  private void openTheBreakerOfGpt4() {
    fixture.emulator.setFault("gpt-4", Fault.status(503));
    for (int i = 0; i < 2; i++) {
      assertThat(await(client.postJson("/v1/chat/completions", chat("primary-then-small", "hi"))).headers()
          .get("x-modelmux-deployment")).isEqualTo("c-gpt35");
    }
    assertThat(breaker("a-gpt4")).isEqualTo("open");
  }

  private static JsonObject chat(String route, String text) {
    return new JsonObject().put("model", route).put("max_tokens", 100)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", text)));
  }

  private String breaker(String deployment) {
    return admin(deployment).getString("breaker");
  }

  private int inFlight(String deployment) {
    return admin(deployment).getInteger("in_flight");
  }

  private JsonObject admin(String deployment) {
    return await(client.get("/admin/deployments")).json().getJsonArray("deployments").stream().map(JsonObject.class::cast)
        .filter(r -> r.getString("id").equals(deployment)).findFirst().orElseThrow();
  }
}
