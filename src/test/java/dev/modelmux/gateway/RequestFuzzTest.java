package dev.modelmux.gateway;

import static dev.modelmux.testing.Await.await;
import static dev.modelmux.testing.Eventually.assertEventually;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.JsonMutations;
import dev.modelmux.testing.JsonMutations.Mutant;
import dev.modelmux.testing.RichRequests;
import dev.modelmux.testing.TestClient;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Thousands of malformed and type-confused requests, made from valid ones of both dialects by a seeded mutator and
 * sent to both endpoints over routes to an OpenAI-kind and an Anthropic-kind deployment: none gets a 500, each error
 * is in the endpoint's own dialect, none is slow, and the gateway is whole afterwards.
 */
@ExtendWith(VertxExtension.class)
class RequestFuzzTest {
  private static final String OPENAI = "/v1/chat/completions";
  private static final String ANTHROPIC = "/v1/messages";
  private static final int IN_FLIGHT = 16;
  private static final long BOUND_MS = 5_000;
  /** "expected an integer, but got an integer instead" names no fault. */
  private static final Pattern SAME_TYPE = Pattern.compile("expected ([^,]+), but got (an? \\w+) instead");
  private static final String DEPLOYMENTS = """
      deployments:
        - id: oa-gpt4
          provider: openai
          base_url: ${EMU}/v1
          api_key_env: KEY_A
          model: gpt-4
          context_window: 8192
          limits: { tpm: 100000000, rpm: 1000000 }
          timeouts: { connect_ms: 1000, first_token_ms: 2000, idle_ms: 1000, total_ms: 4000 }
        - id: an-claude
          provider: anthropic
          base_url: ${EMU}
          api_key_env: KEY_B
          model: claude-2
          context_window: 100000
          limits: { tpm: 100000000, rpm: 1000000 }
          timeouts: { connect_ms: 1000, first_token_ms: 2000, idle_ms: 1000, total_ms: 4000 }
      routes:
        - name: via-openai
          tiers: [[oa-gpt4]]
        - name: via-anthropic
          tiers: [[an-claude]]
      """;

  private static GatewayFixture fixture;
  private static TestClient client;

  private record Shot(String path, Mutant mutant) {}

  private record Outcome(Shot shot, int status, Buffer body, long ms, Throwable failure) {}

  @BeforeAll
  static void start(Vertx vertx) {
    fixture = await(GatewayFixture.start(vertx, GatewayFixture.CROSS_MODELS, DEPLOYMENTS, ""));
    client = new TestClient(vertx, fixture.port(), IN_FLIGHT);
  }

  @AfterAll
  static void stop() {
    await(client.close());
    await(fixture.close());
  }

  /** Bodies no tree mutation makes: not JSON, not an object, nested past any parser's limit. */
  private static List<Mutant> rawBodies() {
    List<Mutant> raw = new ArrayList<>();
    for (String body : List.of("", " ", "null", "[]", "\"hi\"", "42", "{", "{\"model\":", "{}", "{\"model\":\"via-openai\",}",
        "{\"model\":NaN}", "{\"max_tokens\":1e99999}", "{\"model\":\"via-openai\",\"model\":5}", "\u0000",
        "[".repeat(5000) + "]".repeat(5000), "{\"messages\":" + "[".repeat(5000) + "]".repeat(5000) + "}")) {
      raw.add(new Mutant("raw body " + (body.length() > 40 ? body.substring(0, 40) + "..." : body), body));
    }
    return raw;
  }

  @Test
  void malformedRequestsToBothEndpointsNeverGetA500() {
    for (String route : List.of("via-openai", "via-anthropic")) {
      for (boolean stream : List.of(false, true)) {
        assertThat(await(client.postJson(OPENAI, RichRequests.openAiRequest(route, stream))).status()).as("OpenAI base to %s", route).isEqualTo(200);
        assertThat(await(client.postJson(ANTHROPIC, RichRequests.anthropicRequest(route, stream))).status()).as("Anthropic base to %s", route).isEqualTo(200);
      }
    }
    Random random = new Random(10);
    List<Shot> shots = new ArrayList<>();
    // each dialect to both provider kinds, one streamed and one not (mutating "stream" covers the other way)
    for (String route : List.of("via-openai", "via-anthropic")) {
      boolean stream = route.equals("via-anthropic");
      JsonMutations.of(RichRequests.openAiRequest(route, stream), random, 100).forEach(m -> shots.add(new Shot(OPENAI, m)));
      JsonMutations.of(RichRequests.anthropicRequest(route, !stream), random, 100).forEach(m -> shots.add(new Shot(ANTHROPIC, m)));
    }
    rawBodies().forEach(m -> {
      shots.add(new Shot(OPENAI, m));
      shots.add(new Shot(ANTHROPIC, m));
    });
    assertThat(shots).hasSizeGreaterThan(1_000);

    long start = System.nanoTime();
    List<Outcome> outcomes = await(sendAll(shots));
    long totalMs = (System.nanoTime() - start) / 1_000_000;

    List<String> wrong = new ArrayList<>();
    long served = 0;
    for (Outcome o : outcomes) {
      String problem = problem(o);
      if (problem != null) {
        wrong.add(o.shot().path() + " " + o.shot().mutant().description() + ": " + problem);
      }
      served += o.status() == 200 ? 1 : 0;
    }
    System.out.printf("RequestFuzzTest: %d requests in %d ms, %d served, %d refused%n",
        outcomes.size(), totalMs, served, outcomes.size() - served);
    assertThat(wrong).isEmpty();

    assertThat(await(client.postJson(OPENAI, RichRequests.openAiRequest("via-anthropic", false))).status()).isEqualTo(200);
    assertThat(await(client.postJson(ANTHROPIC, RichRequests.anthropicRequest("via-openai", false))).status()).isEqualTo(200);
    assertEventually(() -> assertThat(await(client.get("/admin/deployments")).json().getJsonArray("deployments"))
        .allSatisfy(d -> assertThat(((JsonObject) d).getInteger("in_flight")).isZero()));
  }

  /** What is wrong with one answer, or null when it is what a client of that endpoint may get. */
  private static String problem(Outcome o) {
    if (o.failure() != null) {
      return "no answer: " + o.failure();
    }
    if (o.ms() > BOUND_MS) {
      return "took " + o.ms() + " ms";
    }
    if (o.status() >= 500) {
      return o.status() + " " + o.body();
    }
    if (o.status() == 200) {
      return null;
    }
    JsonObject body;
    try {
      body = new JsonObject(o.body());
    } catch (RuntimeException e) {
      return o.status() + " with a body that is not a JSON object: " + o.body();
    }
    String dialectProblem = o.shot().path().equals(OPENAI) ? openAiProblem(body) : anthropicProblem(body);
    return dialectProblem == null ? null : o.status() + " " + dialectProblem + ": " + body.encode();
  }

  private static String openAiProblem(JsonObject body) {
    if (!(body.getValue("error") instanceof JsonObject error)
        || !error.fieldNames().containsAll(List.of("message", "type", "param", "code"))) {
      return "not OpenAI's error body";
    }
    return message(error.getValue("message"));
  }

  private static String anthropicProblem(JsonObject body) {
    if (!"error".equals(body.getValue("type")) || !(body.getValue("error") instanceof JsonObject error)
        || !(error.getValue("type") instanceof String)) {
      return "not Anthropic's error body";
    }
    return message(error.getValue("message"));
  }

  private static String message(Object message) {
    if (!(message instanceof String text) || text.isBlank()) {
      return "no message";
    }
    Matcher sameType = SAME_TYPE.matcher(text);
    if (text.contains("Exception") || sameType.find() && sameType.group(1).contains(sameType.group(2))) {
      return "a message that does not say what was wrong";
    }
    return null;
  }

  /** Sends every shot, {@link #IN_FLIGHT} at a time, each answer read whole (streams too). */
  private static Future<List<Outcome>> sendAll(List<Shot> shots) {
    Queue<Outcome> outcomes = new ConcurrentLinkedQueue<>();
    AtomicInteger next = new AtomicInteger();
    AtomicInteger running = new AtomicInteger(IN_FLIGHT);
    Promise<List<Outcome>> done = Promise.promise();
    return client.onContext(() -> {
      for (int i = 0; i < IN_FLIGHT; i++) {
        sendNext(shots, next, outcomes, running, done);
      }
      return done.future();
    });
  }

  private static void sendNext(List<Shot> shots, AtomicInteger next, Queue<Outcome> outcomes, AtomicInteger running,
      Promise<List<Outcome>> done) {
    int index = next.getAndIncrement();
    if (index >= shots.size()) {
      if (running.decrementAndGet() == 0) {
        done.complete(new ArrayList<>(outcomes));
      }
      return;
    }
    Shot shot = shots.get(index);
    long start = System.nanoTime();
    HttpClient http = client.http();
    http.request(new RequestOptions().setMethod(HttpMethod.POST).setURI(shot.path()).setPort(fixture.port())
            .setHost("127.0.0.1").putHeader("content-type", "application/json").setIdleTimeout(3 * BOUND_MS))
        .compose(req -> req.send(shot.mutant().body()))
        .compose(resp -> resp.body().map(b -> new Outcome(shot, resp.statusCode(), b, (System.nanoTime() - start) / 1_000_000, null)))
        .otherwise(e -> new Outcome(shot, 0, null, (System.nanoTime() - start) / 1_000_000, e))
        .onComplete(o -> {
          outcomes.add(o.result());
          sendNext(shots, next, outcomes, running, done);
        });
  }
}
