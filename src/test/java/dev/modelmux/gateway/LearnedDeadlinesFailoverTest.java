package dev.modelmux.gateway;

import static dev.modelmux.gateway.StreamContractTest.answer;
import static dev.modelmux.gateway.StreamContractTest.request;
import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.emulator.EmulatedModel;
import dev.modelmux.emulator.Fault;
import dev.modelmux.emulator.Fault.Kind;
import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.TestClient;
import dev.modelmux.testing.TestClient.StreamReply;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * First-token and idle deadlines that nobody configured follow the deployment's own latency: four times its recent
 * p99, warm-started at 2.5 s (10 s), floored at 2 s, capped at 60 s; an explicit value wins, the last candidate waits
 * the caps (60 s for a first token, 30 s for a gap), a learned deadline that expired backs off to twice it until a
 * first token (a stream's end) comes in time; only streamed attempts teach the first-token deadline.
 */
@ExtendWith(VertxExtension.class)
class LearnedDeadlinesFailoverTest {
  /** gpt-4 starts in about 100 ms; the fault tests delay it far beyond. */
  private static final List<EmulatedModel> MODELS = List.of(
      new EmulatedModel("gpt-4", 100, 5, 8192, 0, 0, Fault.NONE),
      new EmulatedModel("gpt-3.5-turbo", 0, 0, 4096, 0, 0, Fault.NONE));

  private static final String CONFIG = """
      deployments:
        - { id: primary, provider: openai, base_url: ${EMU}/v1, api_key_env: KEY_A, model: gpt-4,
            context_window: 8192, limits: { tpm: 1000000, rpm: 10000 } }
        - { id: pinned, provider: openai, base_url: ${EMU}/v1, api_key_env: KEY_A, model: gpt-4,
            context_window: 8192, limits: { tpm: 1000000, rpm: 10000 }, timeouts: { first_token_ms: 1000 } }
        - { id: primed, provider: openai, base_url: ${EMU}/v1, api_key_env: KEY_A, model: gpt-4,
            context_window: 8192, limits: { tpm: 1000000, rpm: 10000 }, latency: { first_token_p99_ms: 1500, gap_p99_ms: 300 } }
        - { id: backup, provider: openai, base_url: ${EMU}/v1, api_key_env: KEY_B, model: gpt-3.5-turbo,
            context_window: 4096, limits: { tpm: 1000000, rpm: 10000 } }
      routes:
        - { name: primary-then-backup, tiers: [[primary], [backup]], continue_on_failure: false }
        - { name: pinned-then-backup, tiers: [[pinned], [backup]] }
        - { name: primary-alone, tiers: [[primary]] }
      """;

  private GatewayFixture fixture;
  private TestClient client;

  @BeforeEach
  void start(Vertx vertx) {
    fixture = await(GatewayFixture.start(vertx, MODELS, CONFIG, ""));
    client = new TestClient(vertx, fixture.port());
  }

  @AfterEach
  void stop() {
    await(client.close());
    await(fixture.close());
  }

  private StreamReply stream(String route, String prompt) {
    return await(client.stream(request(route, prompt, true)), 90);
  }

  /** Eight healthy streams on primary: its TTFT p99 is measured (about 100 ms), so its deadlines sit at the floor. */
  private void warmUp() {
    for (int i = 0; i < 8; i++) {
      StreamReply reply = stream("primary-then-backup", "words: 5");
      assertThat(reply.headers().get("x-modelmux-deployment")).isEqualTo("primary");
    }
  }

  private JsonObject admin(String deployment) {
    return await(client.get("/admin/deployments")).json().getJsonArray("deployments").stream().map(JsonObject.class::cast)
        .filter(r -> r.getString("id").equals(deployment)).findFirst().orElseThrow();
  }

  private static long msSince(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }

  @Test
  void aFastDeploymentWhoseFirstTokenIsLateFailsOverAfterAboutTheFloor() {
    warmUp();
    fixture.emulator.setFault("gpt-4", Fault.of(Kind.SLOW_FIRST_TOKEN).delayMs(20_000));
    long start = System.nanoTime();
    StreamReply reply = stream("primary-then-backup", "words: 5");
    long elapsedMs = msSince(start);
    assertThat(reply.headers().get("x-modelmux-deployment")).isEqualTo("backup");
    assertThat(reply.text()).isEqualTo(answer("words: 5"));
    assertThat(elapsedMs).as("ms until the fallback's answer; the first token is 20 s late, the floor is 2 s").isLessThan(8_000);
  }

  @Test
  void aFreshDeploymentFailsOverAfterTheWarmStartAndBacksOffTwiceTheCutUntilAFirstTokenComesInTime() {
    fixture.emulator.setFault("gpt-4", Fault.of(Kind.SLOW_FIRST_TOKEN).delayMs(20_000));
    long start = System.nanoTime();
    StreamReply reply = stream("primary-then-backup", "words: 5");
    long elapsedMs = msSince(start);
    assertThat(reply.headers().get("x-modelmux-deployment")).isEqualTo("backup");
    assertThat(elapsedMs).as("ms until the fallback's answer; warm start 4 x 2.5 s, the first token 20 s late")
        .isGreaterThanOrEqualTo(9_500).isLessThan(16_000);
    JsonObject row = admin("primary");
    assertThat(row.getLong("ttft_p99_ms")).as("the cut is no sample: still the warm start").isEqualTo(2_500);
    assertThat(row.getLong("first_token_backoff_ms")).isEqualTo(20_000);
    assertThat(row.getLong("first_token_deadline_ms")).as("twice the deadline that expired, not 4 x it").isEqualTo(20_000);
    assertThat(row.getString("first_token_deadline_source")).isEqualTo("backed_off");

    fixture.emulator.setFault("gpt-4", Fault.NONE);
    assertThat(stream("primary-then-backup", "words: 5").headers().get("x-modelmux-deployment")).isEqualTo("primary");
    JsonObject after = admin("primary");
    assertThat(after.getLong("first_token_backoff_ms")).as("a first token in time ends the back-off").isZero();
    assertThat(after.getString("first_token_deadline_source")).isEqualTo("learned");
    assertThat(after.getLong("first_token_deadline_ms")).as("about 100 ms measured: the floor").isEqualTo(2_000);
  }

  @Test
  void aLongNonStreamedAnswerDoesNotLengthenTheStreamedFirstTokenDeadline() {
    warmUp();
    assertThat(admin("primary").getLong("first_token_deadline_ms")).isEqualTo(2_000);
    fixture.emulator.setFault("gpt-4", Fault.of(Kind.SLOW_FIRST_TOKEN).delayMs(3_000));
    TestClient.Reply reply = await(client.postJson("/v1/chat/completions", request("primary-then-backup", "words: 5", false)), 60);
    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.headers().get("x-modelmux-deployment")).as("a non-streamed attempt waits the cap").isEqualTo("primary");
    JsonObject row = admin("primary");
    assertThat(row.getLong("ttft_p99_ms")).as("the whole generation is no time to first token of a stream").isLessThan(2_500);
    assertThat(row.getLong("first_token_deadline_ms")).isEqualTo(2_000);
  }

  @Test
  void anExplicitFirstTokenMsWinsOverTheWarmStart() {
    fixture.emulator.setFault("gpt-4", Fault.of(Kind.SLOW_FIRST_TOKEN).delayMs(20_000));
    long start = System.nanoTime();
    StreamReply reply = stream("pinned-then-backup", "words: 5");
    long elapsedMs = msSince(start);
    assertThat(reply.headers().get("x-modelmux-deployment")).isEqualTo("backup");
    assertThat(elapsedMs).as("ms until the fallback's answer; first_token_ms 1000, the warm start would be 10 s").isLessThan(6_000);
    assertThat(admin("pinned").getLong("first_token_deadline_ms")).as("a cut under a configured deadline teaches nothing").isEqualTo(1_000);
  }

  @Test
  void theLastCandidateWaitsTheCapRatherThanItsLearnedDeadline() {
    warmUp();
    assertThat(admin("primary").getLong("first_token_deadline_ms")).as("learned, with a fallback").isLessThan(5_000);
    fixture.emulator.setFault("gpt-4", Fault.of(Kind.SLOW_FIRST_TOKEN).delayMs(5_500));
    StreamReply reply = stream("primary-alone", "words: 5");
    assertThat(reply.headers().get("x-modelmux-deployment")).isEqualTo("primary");
    assertThat(reply.text()).isEqualTo(answer("words: 5"));
  }

  @Test
  void aStallMidStreamIsCutAfterTheLearnedIdleDeadline() {
    warmUp();
    JsonObject learned = admin("primary");
    assertThat(learned.getString("idle_deadline_source")).isEqualTo("learned");
    assertThat(learned.getLong("idle_deadline_ms")).isLessThan(5_000);
    fixture.emulator.setFault("gpt-4", Fault.of(Kind.STALL).afterTokens(5));
    long start = System.nanoTime();
    StreamReply reply = stream("primary-then-backup", "words: 30");
    long elapsedMs = msSince(start);
    JsonObject error = new JsonObject(reply.last().data()).getJsonObject("error");
    assertThat(error.getString("type")).isEqualTo("timeout");
    assertThat(error.getString("message")).contains("went silent");
    assertThat(elapsedMs).as("ms until the stalled stream ends; the old default idle_ms was 30 s").isLessThan(10_000);
    JsonObject cut = admin("primary");
    assertThat(cut.getLong("idle_deadline_ms")).as("twice the idle deadline that expired")
        .isEqualTo(2 * learned.getLong("idle_deadline_ms"));
    assertThat(cut.getString("idle_deadline_source")).isEqualTo("backed_off");

    fixture.emulator.setFault("gpt-4", Fault.NONE);
    assertThat(stream("primary-then-backup", "words: 30").text()).isEqualTo(answer("words: 30"));
    JsonObject healed = admin("primary");
    assertThat(healed.getLong("idle_backoff_ms")).as("a stream that ends normally ends the back-off").isZero();
    assertThat(healed.getLong("idle_deadline_ms")).isLessThan(5_000);
  }

  @Test
  void theAdminEndpointShowsTheDeadlinesInForceAndWhereTheyCameFrom() {
    JsonObject fresh = admin("backup");
    assertThat(fresh.getLong("first_token_deadline_ms")).isEqualTo(10_000);
    assertThat(fresh.getLong("idle_deadline_ms")).isEqualTo(10_000);
    assertThat(fresh.getLong("ttft_p99_ms")).isEqualTo(2_500);
    assertThat(fresh.getLong("gap_p99_ms")).isEqualTo(2_500);
    assertThat(fresh.getString("first_token_deadline_source")).isEqualTo("warm_start");
    assertThat(fresh.getString("idle_deadline_source")).isEqualTo("warm_start");

    JsonObject primed = admin("primed");
    assertThat(primed.getLong("first_token_deadline_ms")).as("4 x the configured 1500 ms").isEqualTo(6_000);
    assertThat(primed.getLong("idle_deadline_ms")).as("4 x 300 ms, floored").isEqualTo(2_000);

    JsonObject pinned = admin("pinned");
    assertThat(pinned.getLong("first_token_deadline_ms")).isEqualTo(1_000);
    assertThat(pinned.getString("first_token_deadline_source")).isEqualTo("configured");
    assertThat(pinned.getString("idle_deadline_source")).isEqualTo("warm_start");

    warmUp();
    JsonObject learned = admin("primary");
    assertThat(learned.getString("first_token_deadline_source")).isEqualTo("learned");
    assertThat(learned.getString("idle_deadline_source")).isEqualTo("learned");
    long ttftP99 = learned.getLong("ttft_p99_ms");
    long gapP99 = learned.getLong("gap_p99_ms");
    assertThat(ttftP99).as("measured, about 100 ms").isPositive().isLessThan(2_500);
    assertThat(learned.getLong("first_token_deadline_ms")).isEqualTo(Math.max(2_000, Math.min(60_000, 4 * ttftP99)));
    assertThat(learned.getLong("idle_deadline_ms")).isEqualTo(Math.max(2_000, Math.min(30_000, 4 * gapP99)));
  }
}
