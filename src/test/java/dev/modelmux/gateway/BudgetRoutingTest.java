package dev.modelmux.gateway;

import static dev.modelmux.testing.Await.await;
import static dev.modelmux.testing.Eventually.assertEventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.emulator.EmulatedModel;
import dev.modelmux.emulator.Fault;
import dev.modelmux.emulator.Fault.Kind;
import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.TestClient;
import dev.modelmux.testing.TestClient.Reply;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Capacity-aware routing on the embedded (in-process) budgets: headroom first, then the next candidate, then wait or 429. */
@ExtendWith(VertxExtension.class)
class BudgetRoutingTest {
  private static final List<EmulatedModel> MODELS = List.of(
      new EmulatedModel("gpt-4", 0, 0, 8192, 0, 0, Fault.NONE),
      new EmulatedModel("gpt-3.5-turbo", 0, 0, 4096, 0, 0, Fault.NONE),
      new EmulatedModel("gpt-4-small-account", 0, 0, 8192, 0, 5, Fault.NONE));

  private static final String CONFIG = """
      deployments:
        - id: tight-rpm
          provider: openai
          base_url: ${EMU}/v1
          api_key_env: KEY_A
          model: gpt-4
          context_window: 8192
          limits: { tpm: 1000000, rpm: 3 }
        - id: tight-tpm
          provider: openai
          base_url: ${EMU}/v1
          api_key_env: KEY_B
          model: gpt-4
          context_window: 8192
          limits: { tpm: 400, rpm: 1000 }
        - id: spare
          provider: openai
          base_url: ${EMU}/v1
          api_key_env: KEY_A
          model: gpt-3.5-turbo
          context_window: 4096
          limits: { tpm: 1000000, rpm: 1000 }
        - id: provider-says-less
          provider: openai
          base_url: ${EMU}/v1
          api_key_env: KEY_A
          model: gpt-4-small-account
          context_window: 8192
          limits: { tpm: 1000000, rpm: 1000 }
      routes:
        - name: rpm-then-spare
          tiers: [[tight-rpm], [spare]]
        - name: rpm-then-spare-at-once
          max_wait_ms: 100          # below the emulator's 1 s retry-after: degrade rather than wait it out
          tiers: [[tight-rpm], [spare]]
        - name: rpm-only
          tiers: [[tight-rpm]]
        - name: tpm-wait
          max_wait_ms: 10000
          tiers: [[tight-tpm]]
        - name: spare-only
          tiers: [[spare]]
      """;

  private GatewayFixture fixture;
  private TestClient client;

  private void start(Vertx vertx) {
    fixture = await(GatewayFixture.start(vertx, MODELS, CONFIG, ""));
    client = new TestClient(vertx, fixture.port());
  }

  @AfterEach
  void stop() {
    await(client.close());
    await(fixture.close());
  }

  private static JsonObject body(String route, String text, Integer maxTokens) {
    JsonObject body = new JsonObject().put("model", route)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", text)));
    return maxTokens == null ? body : body.put("max_tokens", maxTokens);
  }

  private Reply ask(String route, String text, Integer maxTokens) {
    return await(client.postJson("/v1/chat/completions", body(route, text, maxTokens)));
  }

  private JsonObject admin(String deployment) {
    JsonArray rows = await(client.get("/admin/deployments")).json().getJsonArray("deployments");
    return rows.stream().map(JsonObject.class::cast).filter(r -> r.getString("id").equals(deployment)).findFirst().orElseThrow();
  }

  @Test
  void overflowBeyondTheRpmGoesToTheNextTier(Vertx vertx) {
    start(vertx);
    List<String> servedBy = IntStream.range(0, 5)
        .mapToObj(i -> ask("rpm-then-spare", "words: 5", null))
        .peek(r -> assertThat(r.status()).isEqualTo(200))
        .map(r -> r.headers().get("x-modelmux-deployment")).toList();
    assertThat(servedBy).containsExactly("tight-rpm", "tight-rpm", "tight-rpm", "spare", "spare");
    assertThat(fixture.emulator.stats("gpt-4").requests()).as("no request was sent without headroom").isEqualTo(3);
  }

  @Test
  void noHeadroomAndNoWaitIsA429InTheClientsDialectWithRetryAfter(Vertx vertx) {
    start(vertx);
    for (int i = 0; i < 3; i++) {
      assertThat(ask("rpm-only", "hi", null).status()).isEqualTo(200);
    }
    Reply openAi = ask("rpm-only", "hi", null);
    assertThat(openAi.status()).isEqualTo(429);
    assertThat(openAi.json().getJsonObject("error").getString("type")).isEqualTo("requests");
    assertThat(openAi.json().getJsonObject("error").getString("code")).isEqualTo("rate_limit_exceeded");
    assertThat(Integer.parseInt(openAi.headers().get("retry-after"))).isBetween(1, 60);

    Reply anthropic = await(client.postJson("/v1/messages", body("rpm-only", "hi", 10)));
    assertThat(anthropic.status()).isEqualTo(429);
    assertThat(anthropic.json().getJsonObject("error").getString("type")).isEqualTo("rate_limit_error");
    assertThat(anthropic.headers().get("retry-after")).isNotBlank();
    assertThat(fixture.emulator.stats("gpt-4").requests()).isEqualTo(3);
  }

  @Test
  void aWaitingRequestIsWokenWhenBudgetIsGivenBack(Vertx vertx) {
    start(vertx);
    // The first request reserves most of the 400 TPM (prompt + 300 output) and takes ~600 ms to answer.
    fixture.emulator.setFault("gpt-4", Fault.of(Kind.SLOW_FIRST_TOKEN).delayMs(600).times(1));
    Future<Reply> first = client.postJson("/v1/chat/completions", body("tpm-wait", "words: 3", 300));
    assertEventually(() -> assertThat(fixture.emulator.stats("gpt-4").requests()).isEqualTo(1));
    long start = System.nanoTime();
    Reply second = ask("tpm-wait", "words: 3", 300);
    long waitedMs = (System.nanoTime() - start) / 1_000_000;
    assertThat(await(first).status()).isEqualTo(200);
    assertThat(second.status()).isEqualTo(200);
    // It was denied, then woken by the first one's settlement: far sooner than the window would have freed it.
    assertThat(waitedMs).isBetween(300L, 5000L);
    assertThat(fixture.emulator.stats("gpt-4").requests()).isEqualTo(2);
  }

  @Test
  void aPromptTooLargeForEveryWindowIsA400BeforeAnyProviderCall(Vertx vertx) {
    start(vertx);
    Reply reply = ask("spare-only", "hello ".repeat(5000), null);
    assertThat(reply.status()).isEqualTo(400);
    assertThat(reply.json().getJsonObject("error").getString("code")).isEqualTo("context_length_exceeded");
    assertThat(reply.json().getJsonObject("error").getString("message")).contains("4096");
    assertThat(fixture.emulator.stats("gpt-3.5-turbo").requests()).isZero();
  }

  @Test
  void settlementGivesBackWhatTheAnswerDidNotUse(Vertx vertx) {
    start(vertx);
    Reply reply = ask("spare-only", "words: 5", 2000);
    JsonObject usage = reply.json().getJsonObject("usage");
    JsonObject row = admin("spare");
    assertThat(row.getJsonObject("used").getLong("tokens")).as("settled to the real usage, not prompt + 2000")
        .isEqualTo(usage.getLong("prompt_tokens") + usage.getLong("completion_tokens"));
    assertThat(row.getJsonObject("used").getLong("requests")).isEqualTo(1);
    assertThat(row.getInteger("in_flight")).isZero();
  }

  @Test
  void aClientThatLeavesMidStreamStillSettles(Vertx vertx) {
    start(vertx);
    fixture.emulator.setFault("gpt-3.5-turbo", Fault.of(Kind.STALL).afterTokens(3));
    var response = await(client.onContext(() -> client.http().request(new RequestOptions().setMethod(HttpMethod.POST)
            .setHost("127.0.0.1").setPort(fixture.port()).setURI("/v1/chat/completions").putHeader("content-type", "application/json"))
        .compose(req -> req.send(body("spare-only", "words: 50", 1000).put("stream", true).encode()))));
    assertThat(response.statusCode()).isEqualTo(200);
    assertEventually(() -> assertThat(admin("spare").getInteger("in_flight")).isEqualTo(1));
    response.request().connection().close();
    assertEventually(() -> {
      JsonObject row = admin("spare");
      assertThat(row.getInteger("in_flight")).isZero();
      assertThat(row.getJsonObject("used").getLong("tokens")).as("settled below the 1000-token output reservation").isLessThan(500);
    });
  }

  @Test
  void aProvider429PausesTheDeploymentForEveryone(Vertx vertx) {
    start(vertx);
    fixture.emulator.setFault("gpt-4", Fault.status(429).times(1));
    Reply first = ask("rpm-then-spare-at-once", "hi", null);
    assertThat(first.status()).isEqualTo(200);
    assertThat(first.headers().get("x-modelmux-deployment")).isEqualTo("spare");
    assertThat(admin("tight-rpm").getLong("paused_for_ms")).isPositive();
    Reply second = ask("rpm-then-spare-at-once", "hi", null);
    assertThat(second.headers().get("x-modelmux-deployment")).isEqualTo("spare");
    assertThat(fixture.emulator.stats("gpt-4").requests()).as("nothing sent to the paused deployment").isEqualTo(1);
  }

  @Test
  void theProvidersRemainingHeadersClampTheBudget(Vertx vertx) {
    start(vertx);
    // The config says 1000 RPM, but the account behind it only has 5: the provider's headers say so.
    String route = "gpt-4-small-account";
    assertThat(ask(route, "hi", null).status()).isEqualTo(200);
    assertThat(admin("provider-says-less").getJsonObject("headroom").getLong("requests")).isLessThanOrEqualTo(4);
  }
}
