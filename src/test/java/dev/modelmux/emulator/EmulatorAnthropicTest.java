package dev.modelmux.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.IntArrayList;
import dev.modelmux.core.SseEvent;
import dev.modelmux.tokens.TokenCounter;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

/** Anthropic Messages: same answers as OpenAI, Anthropic's body, events, errors, headers and faults. */
class EmulatorAnthropicTest extends EmulatorTestBase {
  private static final String SYSTEM = "You are terse.";
  private static final JsonObject WEATHER = new JsonObject("""
      {"name":"get_weather","description":"Weather now",
       "input_schema":{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer"},
                       "unit":{"type":"string","enum":["celsius","fahrenheit"]}},"required":["city","unit"]}}""");

  @Override
  protected List<EmulatedModel> models() {
    List<EmulatedModel> models = new ArrayList<>(super.models());
    models.add(new EmulatedModel("claude-2", 0, 0, 100000, 0, 0, Fault.NONE));
    return models;
  }

  static MultiMap headers() {
    return MultiMap.caseInsensitiveMultiMap().add("x-api-key", Http.KEY).add("anthropic-version", "2023-06-01")
        .add("content-type", "application/json");
  }

  /** An Anthropic body: system + one user message, the equivalent of {@link Http#chat}. */
  static JsonObject body(String model, String userText) {
    return new JsonObject().put("model", model).put("max_tokens", 1024).put("system", SYSTEM)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", userText)));
  }

  /** The answer an OpenAI client gets for the equivalent conversation. */
  static String openAiAnswer(String model, String userText) {
    return AnswerText.of(Turn.fromOpenAi(Http.chat(model, userText).getJsonArray("messages")));
  }

  static int openAiPrompt(String model, String userText) {
    return TokenCounter.countChat(TokenCounter.encodingFor(model), Http.chat(model, userText).getJsonArray("messages"), null);
  }

  private Future<Http.Reply> post(JsonObject body) {
    return http.post("/v1/messages", headers(), body);
  }

  private Future<Http.Streamed> stream(JsonObject body) {
    return stream(body, (e, r) -> { });
  }

  private Future<Http.Streamed> stream(JsonObject body, BiConsumer<SseEvent, HttpClientResponse> onEvent) {
    return http.stream("/v1/messages", headers(), body.copy().put("stream", true), onEvent);
  }

  private static List<String> names(Http.Streamed s) {
    return s.events().stream().map(SseEvent::event).toList();
  }

  /** The text of text_delta events (events that are not JSON are skipped). */
  private static String text(Http.Streamed s) {
    StringBuilder text = new StringBuilder();
    for (SseEvent e : s.events()) {
      if (e.event().equals("content_block_delta")) {
        try {
          JsonObject delta = new JsonObject(e.data()).getJsonObject("delta");
          if ("text_delta".equals(delta.getString("type"))) {
            text.append(delta.getString("text"));
          }
        } catch (DecodeException malformed) {
          // the MALFORMED_CHUNK fault's event
        }
      }
    }
    return text.toString();
  }

  private static JsonObject data(Http.Streamed s, String event) {
    List<SseEvent> matching = s.events().stream().filter(e -> e.event().equals(event)).toList();
    return new JsonObject(matching.get(matching.size() - 1).data());
  }

  private Future<String> nextPeerClose() {
    Promise<String> closed = Promise.promise();
    emulator.onPeerClosed(closed::tryComplete);
    return closed.future();
  }

  @Test
  void sameTextAndExactUsageAsOpenAiStreamedAndNot(VertxTestContext ctx) {
    String user = "Tell me about gateways.";
    JsonObject body = body("claude-2", user);
    String expected = openAiAnswer("claude-2", user);
    int input = openAiPrompt("claude-2", user);
    int output = TokenCounter.count(TokenCounter.encodingFor("claude-2"), expected);
    assertThat(AnswerText.of(Turn.fromAnthropic(body))).isEqualTo(expected);
    post(body).compose(reply -> {
      assertThat(reply.status()).isEqualTo(200);
      assertThat(reply.headers().get("request-id")).startsWith("req_");
      assertThat(reply.headers().get("content-type")).isEqualTo("application/json");
      for (String bucket : List.of("requests", "tokens")) {
        assertThat(reply.headers().get("anthropic-ratelimit-" + bucket + "-limit")).isNotNull();
        assertThat(reply.headers().get("anthropic-ratelimit-" + bucket + "-remaining")).isNotNull();
        Instant reset = Instant.parse(reply.headers().get("anthropic-ratelimit-" + bucket + "-reset"));
        assertThat(Duration.between(Instant.now(), reset).abs()).isLessThan(Duration.ofSeconds(5));
      }
      JsonObject json = reply.json();
      assertThat(json.getString("id")).startsWith("msg_");
      assertThat(json.getString("type")).isEqualTo("message");
      assertThat(json.getString("role")).isEqualTo("assistant");
      assertThat(json.getString("model")).isEqualTo("claude-2");
      assertThat(json.getJsonArray("content")).isEqualTo(new JsonArray().add(new JsonObject().put("type", "text").put("text", expected)));
      assertThat(json.getString("stop_reason")).isEqualTo("end_turn");
      assertThat(json.containsKey("stop_sequence")).isTrue();
      assertThat(json.getValue("stop_sequence")).isNull();
      assertThat(json.getJsonObject("usage").getInteger("input_tokens")).isEqualTo(input);
      assertThat(json.getJsonObject("usage").getInteger("output_tokens")).isEqualTo(output);
      // blocks instead of strings: the same conversation, the same answer and cost
      JsonObject blocks = body.copy()
          .put("system", new JsonArray().add(new JsonObject().put("type", "text").put("text", SYSTEM)))
          .put("messages", new JsonArray().add(new JsonObject().put("role", "user")
              .put("content", new JsonArray().add(new JsonObject().put("type", "text").put("text", user)))));
      return post(blocks);
    }).compose(reply -> {
      assertThat(reply.json().getJsonArray("content").getJsonObject(0).getString("text")).isEqualTo(expected);
      assertThat(reply.json().getJsonObject("usage").getInteger("input_tokens")).isEqualTo(input);
      return stream(body);
    }).map(s -> {
      assertThat(s.status()).isEqualTo(200);
      assertThat(s.headers().get("content-type")).startsWith("text/event-stream");
      assertThat(s.headers().get("request-id")).startsWith("req_");
      assertThat(s.ended()).isTrue();
      int pieces = AnswerText.pieces(expected).size();
      List<String> expectedNames = new ArrayList<>(List.of("message_start", "content_block_start", "ping"));
      for (int i = 0; i < pieces; i++) {
        expectedNames.add("content_block_delta");
      }
      expectedNames.addAll(List.of("content_block_stop", "message_delta", "message_stop"));
      assertThat(names(s)).isEqualTo(expectedNames);
      for (SseEvent e : s.events()) {
        assertThat(new JsonObject(e.data()).getString("type")).isEqualTo(e.event());
      }
      assertThat(s.events()).noneMatch(e -> e.data().equals("[DONE]"));
      assertThat(text(s)).isEqualTo(expected);
      JsonObject start = data(s, "message_start").getJsonObject("message");
      assertThat(start.getJsonArray("content")).isEmpty();
      assertThat(start.getValue("stop_reason")).isNull();
      assertThat(start.getJsonObject("usage").getInteger("input_tokens")).isEqualTo(input);
      assertThat(start.getJsonObject("usage").getInteger("output_tokens")).isEqualTo(1);
      assertThat(data(s, "content_block_start").getJsonObject("content_block"))
          .isEqualTo(new JsonObject().put("type", "text").put("text", ""));
      JsonObject delta = data(s, "message_delta");
      assertThat(delta.getJsonObject("delta").getString("stop_reason")).isEqualTo("end_turn");
      assertThat(delta.getJsonObject("usage").getInteger("output_tokens")).isEqualTo(output);
      ModelStats stats = emulator.stats("claude-2");
      assertThat(stats.requests()).isEqualTo(3);
      assertThat(stats.streamsCompleted()).isEqualTo(1);
      assertThat(stats.completionTokens()).isEqualTo(3L * output);
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void turnsMatchTheEquivalentOpenAiConversation() {
    JsonObject anthropic = new JsonObject("""
        {"system":[{"type":"text","text":"rule one"},{"type":"text","text":"rule two"}],
         "messages":[{"role":"user","content":"first"},
                     {"role":"assistant","content":[{"type":"text","text":"reply"},
                                                   {"type":"tool_use","id":"toolu_1","name":"f","input":{}}]},
                     {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":"42"},
                                              {"type":"text","text":"words: 9"}]}]}""");
    JsonArray openAi = new JsonArray("""
        [{"role":"system","content":"rule one\\nrule two"},{"role":"user","content":"first"},
         {"role":"assistant","content":"reply"},{"role":"user","content":"words: 9"}]""");
    assertThat(Turn.fromAnthropic(anthropic)).isEqualTo(Turn.fromOpenAi(openAi));
    assertThat(AnswerText.of(Turn.fromAnthropic(anthropic))).isEqualTo(AnswerText.of(openAi));
  }

  @Test
  void maxTokensTruncatesWithMaxTokens(VertxTestContext ctx) {
    JsonObject body = body("claude-2", "words: 30").put("max_tokens", 5);
    Encoding enc = TokenCounter.encodingFor("claude-2");
    IntArrayList all = enc.encodeOrdinary(openAiAnswer("claude-2", "words: 30"));
    IntArrayList kept = new IntArrayList();
    for (int i = 0; i < 5; i++) {
      kept.add(all.get(i));
    }
    String expected = enc.decode(kept);
    post(body).compose(reply -> {
      JsonObject json = reply.json();
      assertThat(json.getJsonArray("content").getJsonObject(0).getString("text")).isEqualTo(expected);
      assertThat(json.getString("stop_reason")).isEqualTo("max_tokens");
      assertThat(json.getJsonObject("usage").getInteger("output_tokens")).isEqualTo(5);
      return stream(body);
    }).map(s -> {
      assertThat(text(s)).isEqualTo(expected);
      assertThat(data(s, "message_delta").getJsonObject("delta").getString("stop_reason")).isEqualTo("max_tokens");
      assertThat(data(s, "message_delta").getJsonObject("usage").getInteger("output_tokens")).isEqualTo(5);
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void stopSequencesReportWhichOneStopped(VertxTestContext ctx) {
    JsonObject body = body("claude-2", "say: alpha beta gamma beta delta")
        .put("stop_sequences", new JsonArray().add("gamma").add(" beta"));
    post(body).compose(reply -> {
      JsonObject json = reply.json();
      assertThat(json.getJsonArray("content").getJsonObject(0).getString("text")).isEqualTo("alpha");
      assertThat(json.getString("stop_reason")).isEqualTo("stop_sequence");
      assertThat(json.getString("stop_sequence")).isEqualTo(" beta");
      return stream(body.copy().put("stop_sequences", new JsonArray().add("gamma")));
    }).map(s -> {
      assertThat(text(s)).isEqualTo("alpha beta ");
      JsonObject delta = data(s, "message_delta").getJsonObject("delta");
      assertThat(delta.getString("stop_reason")).isEqualTo("stop_sequence");
      assertThat(delta.getString("stop_sequence")).isEqualTo("gamma");
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void forcedToolUseStreamedAndNot(VertxTestContext ctx) {
    JsonObject body = body("claude-2", "weather in Paris?").put("tools", new JsonArray().add(WEATHER))
        .put("tool_choice", new JsonObject().put("type", "tool").put("name", "get_weather"));
    post(body).compose(reply -> {
      assertThat(reply.status()).isEqualTo(200);
      JsonObject json = reply.json();
      assertThat(json.getString("stop_reason")).isEqualTo("tool_use");
      assertThat(json.getJsonArray("content")).hasSize(1);
      JsonObject use = json.getJsonArray("content").getJsonObject(0);
      assertThat(use.getString("type")).isEqualTo("tool_use");
      assertThat(use.getString("id")).matches("toolu_[0-9a-f]{24}");
      assertThat(use.getString("name")).isEqualTo("get_weather");
      JsonObject input = use.getJsonObject("input");
      assertThat(input).isEqualTo(new JsonObject().put("city", "emulated").put("days", 1).put("unit", "celsius"));
      int outputTokens = json.getJsonObject("usage").getInteger("output_tokens");
      assertThat(outputTokens).isPositive();
      return stream(body.copy().put("tool_choice", new JsonObject().put("type", "any"))).map(s -> {
        List<String> names = names(s);
        assertThat(names.subList(0, 3)).containsExactly("message_start", "content_block_start", "ping");
        assertThat(names.subList(names.size() - 3, names.size())).containsExactly("content_block_stop", "message_delta", "message_stop");
        JsonObject block = data(s, "content_block_start").getJsonObject("content_block");
        assertThat(block).isEqualTo(new JsonObject().put("type", "tool_use").put("id", use.getString("id"))
            .put("name", "get_weather").put("input", new JsonObject()));
        StringBuilder partial = new StringBuilder();
        for (SseEvent e : s.events()) {
          if (e.event().equals("content_block_delta")) {
            JsonObject delta = new JsonObject(e.data()).getJsonObject("delta");
            assertThat(delta.getString("type")).isEqualTo("input_json_delta");
            partial.append(delta.getString("partial_json"));
          }
        }
        assertThat(new JsonObject(partial.toString())).isEqualTo(input);
        JsonObject delta = data(s, "message_delta");
        assertThat(delta.getJsonObject("delta").getString("stop_reason")).isEqualTo("tool_use");
        assertThat(delta.getJsonObject("usage").getInteger("output_tokens")).isEqualTo(outputTokens);
        return null;
      });
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void headerAndBodyErrors(VertxTestContext ctx) {
    MultiMap noKey = headers().remove("x-api-key");
    http.post("/v1/messages", noKey, body("claude-2", "hi")).compose(reply -> {
      assertThat(reply.status()).isEqualTo(401);
      JsonObject json = reply.json();
      assertThat(json.getString("type")).isEqualTo("error");
      assertThat(json.getJsonObject("error")).isEqualTo(new JsonObject().put("type", "authentication_error").put("message", "invalid x-api-key"));
      assertThat(json.getString("request_id")).isEqualTo(reply.headers().get("request-id"));
      return http.post("/v1/messages", headers().remove("anthropic-version"), body("claude-2", "hi"));
    }).compose(reply -> {
      assertThat(reply.status()).isEqualTo(400);
      assertThat(reply.error().getString("type")).isEqualTo("invalid_request_error");
      assertThat(reply.error().getString("message")).isEqualTo("anthropic-version: header is required");
      JsonObject noMax = body("claude-2", "hi");
      noMax.remove("max_tokens");
      return post(noMax);
    }).compose(reply -> {
      assertThat(reply.status()).isEqualTo(400);
      assertThat(reply.error()).isEqualTo(new JsonObject().put("type", "invalid_request_error").put("message", "max_tokens: Field required"));
      assertThat(reply.headers().get("request-id")).startsWith("req_");
      return post(body("claude-9", "hi"));
    }).compose(reply -> {
      assertThat(reply.status()).isEqualTo(404);
      assertThat(reply.error()).isEqualTo(new JsonObject().put("type", "not_found_error").put("message", "model: claude-9"));
      return post(body("claude-2", "hi").put("messages", new JsonArray().add(new JsonObject().put("role", "system").put("content", "x"))));
    }).compose(reply -> {
      assertThat(reply.status()).isEqualTo(400);
      assertThat(reply.error().getString("message")).isEqualTo("messages.0.role: Input should be 'user' or 'assistant'");
      return post(body("claude-2", "hi").put("tool_choice", new JsonObject().put("type", "any")));
    }).map(reply -> {
      assertThat(reply.status()).isEqualTo(400);
      assertThat(reply.error().getString("type")).isEqualTo("invalid_request_error");
      assertThat(emulator.stats("claude-2").errors()).isEqualTo(5); // all but the unknown model's 404
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void contextWindowErrors(VertxTestContext ctx) {
    String longText = "lorem ipsum dolor sit amet ".repeat(20);
    int prompt = openAiPrompt("tiny", longText);
    assertThat(prompt).isGreaterThan(60);
    post(body("tiny", longText).put("max_tokens", 10)).compose(reply -> {
      assertThat(reply.status()).isEqualTo(400);
      assertThat(reply.error().getString("type")).isEqualTo("invalid_request_error");
      assertThat(reply.error().getString("message")).isEqualTo("prompt is too long: " + prompt + " tokens > 60 maximum");
      return post(body("tiny", "hi").put("max_tokens", 100));
    }).map(reply -> {
      assertThat(reply.status()).isEqualTo(400);
      assertThat(reply.error().getString("message"))
          .isEqualTo("max_tokens: 100 > 60, which is the maximum allowed number of output tokens for tiny");
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void rateLimitsAre429sWithAnthropicHeaders(VertxTestContext ctx) {
    post(body("limited", "words: 2").put("max_tokens", 50)).compose(first -> {
      assertThat(first.status()).isEqualTo(200);
      assertThat(first.headers().get("anthropic-ratelimit-requests-limit")).isEqualTo("2");
      assertThat(first.headers().get("anthropic-ratelimit-requests-remaining")).isEqualTo("1");
      assertThat(first.headers().get("anthropic-ratelimit-tokens-limit")).isEqualTo("1000");
      int cost = first.json().getJsonObject("usage").getInteger("input_tokens") + 50;
      assertThat(first.headers().get("anthropic-ratelimit-tokens-remaining")).isEqualTo(Integer.toString(1000 - cost));
      Instant reset = Instant.parse(first.headers().get("anthropic-ratelimit-requests-reset"));
      assertThat(Duration.between(Instant.now(), reset).getSeconds()).isBetween(55L, 61L);
      return post(body("limited", "words: 2").put("max_tokens", 50));
    }).compose(second -> post(body("limited", "words: 2").put("max_tokens", 50))).compose(third -> {
      assertThat(third.status()).isEqualTo(429);
      assertThat(third.error().getString("type")).isEqualTo("rate_limit_error");
      assertThat(third.error().getString("message")).startsWith("This request would exceed the rate limit for your organization")
          .contains("of 2 requests per minute");
      assertThat(Long.parseLong(third.headers().get("retry-after"))).isBetween(1L, 60L);
      assertThat(third.headers().get("anthropic-ratelimit-requests-remaining")).isEqualTo("0");
      assertThat(Instant.parse(third.headers().get("anthropic-ratelimit-requests-reset"))).isAfter(Instant.now());
      assertThat(third.json().getString("request_id")).isEqualTo(third.headers().get("request-id"));
      return post(body("tpm-limited", "words: 2").put("max_tokens", 90));
    }).map(tokens -> {
      assertThat(tokens.status()).isEqualTo(429);
      assertThat(tokens.error().getString("message")).contains("of 100 tokens per minute");
      assertThat(tokens.headers().get("retry-after")).isNotNull();
      assertThat(tokens.headers().get("anthropic-ratelimit-tokens-remaining")).isEqualTo("0");
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void overloadedIs529WithShouldRetry(VertxTestContext ctx) {
    emulator.setFault("claude-2", Fault.status(503).times(1));
    post(body("claude-2", "hi")).compose(reply -> {
      assertThat(reply.status()).isEqualTo(529);
      assertThat(reply.headers().get("x-should-retry")).isEqualTo("true");
      assertThat(reply.json().getJsonObject("error"))
          .isEqualTo(new JsonObject().put("type", "overloaded_error").put("message", "Overloaded"));
      assertThat(reply.json().getString("request_id")).isEqualTo(reply.headers().get("request-id"));
      emulator.setFault("claude-2", Fault.status(529).times(1));
      return post(body("claude-2", "hi"));
    }).compose(reply -> {
      assertThat(reply.status()).isEqualTo(529);
      assertThat(reply.error().getString("type")).isEqualTo("overloaded_error");
      emulator.setFault("claude-2", Fault.status(429).times(1));
      return post(body("claude-2", "hi"));
    }).map(reply -> {
      assertThat(reply.status()).isEqualTo(429);
      assertThat(reply.error().getString("type")).isEqualTo("rate_limit_error");
      assertThat(reply.headers().get("retry-after")).isEqualTo("1");
      assertThat(reply.headers().get("anthropic-ratelimit-requests-remaining")).isEqualTo("0");
      assertThat(reply.headers().get("anthropic-ratelimit-tokens-remaining")).isEqualTo("0");
      ModelStats stats = emulator.stats("claude-2");
      assertThat(stats.faults()).isEqualTo(3);
      assertThat(stats.errors()).isEqualTo(2);
      assertThat(stats.rateLimited()).isEqualTo(1);
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void contentFilterFaultIsABlockedRequest(VertxTestContext ctx) {
    emulator.setFault("claude-2", Fault.of(Fault.Kind.CONTENT_FILTER).times(1));
    post(body("claude-2", "hi")).map(reply -> {
      assertThat(reply.status()).isEqualTo(400);
      assertThat(reply.error().getString("type")).isEqualTo("invalid_request_error");
      assertThat(reply.error().getString("message")).contains("blocked");
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void streamErrorIsAnInBandErrorEvent(VertxTestContext ctx) {
    emulator.setFault("claude-2", Fault.of(Fault.Kind.STREAM_ERROR).afterTokens(2));
    String user = "words: 10";
    String expected = String.join("", AnswerText.pieces(openAiAnswer("claude-2", user)).subList(0, 2));
    stream(body("claude-2", user)).compose(s -> {
      assertThat(s.status()).isEqualTo(200);
      assertThat(names(s)).containsExactly("message_start", "content_block_start", "ping",
          "content_block_delta", "content_block_delta", "error");
      assertThat(text(s)).isEqualTo(expected);
      assertThat(new JsonObject(s.events().get(5).data())).isEqualTo(new JsonObject(
          "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"));
      return post(body("claude-2", user));
    }).map(reply -> {
      assertThat(reply.status()).isEqualTo(529);
      assertThat(reply.error().getString("type")).isEqualTo("overloaded_error");
      assertThat(emulator.stats("claude-2").streamsCompleted()).isZero();
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void cutClosesWithoutMessageStop(VertxTestContext ctx) {
    emulator.setFault("claude-2", Fault.of(Fault.Kind.CUT).afterTokens(2));
    stream(body("claude-2", "words: 10")).map(s -> {
      assertThat(s.ended()).isFalse();
      assertThat(names(s)).containsExactly("message_start", "content_block_start", "ping",
          "content_block_delta", "content_block_delta");
      assertThat(emulator.stats("claude-2").streamsCompleted()).isZero();
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void stallGoesSilentUntilThePeerLeaves(VertxTestContext ctx) {
    emulator.setFault("claude-2", Fault.of(Fault.Kind.STALL).afterTokens(1));
    Future<String> closed = nextPeerClose();
    stream(body("claude-2", "words: 10"), (event, resp) -> {
      if (event.event().equals("content_block_delta")) {
        resp.request().connection().close(); // the only delta that will come
      }
    }).compose(s -> {
      assertThat(s.ended()).isFalse();
      assertThat(names(s)).containsExactly("message_start", "content_block_start", "ping", "content_block_delta");
      return closed;
    }).map(model -> {
      assertThat(model).isEqualTo("claude-2");
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void malformedChunkIsATruncatedDataLine(VertxTestContext ctx) {
    emulator.setFault("claude-2", Fault.of(Fault.Kind.MALFORMED_CHUNK).afterTokens(1));
    String user = "words: 4";
    stream(body("claude-2", user)).compose(s -> {
      assertThat(s.ended()).isTrue();
      SseEvent bad = s.events().get(4);
      assertThat(bad.event()).isEqualTo("content_block_delta");
      assertThat(bad.data()).isEqualTo("{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":");
      assertThat(text(s)).isEqualTo(openAiAnswer("claude-2", user));
      assertThat(names(s).get(names(s).size() - 1)).isEqualTo("message_stop");
      return post(body("claude-2", user));
    }).map(reply -> {
      assertThat(reply.status()).isEqualTo(200);
      assertThat(reply.body().toString()).startsWith("{\"id\":\"msg_");
      try {
        reply.json();
        throw new AssertionError("body should not be JSON: " + reply.body());
      } catch (DecodeException expectedFailure) {
        return null;
      }
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void missingDoneSendsEverythingButMessageStop(VertxTestContext ctx) {
    emulator.setFault("claude-2", Fault.of(Fault.Kind.MISSING_DONE));
    Future<String> closed = nextPeerClose();
    String user = "words: 4";
    stream(body("claude-2", user), (event, resp) -> {
      if (event.event().equals("message_delta")) {
        resp.request().connection().close(); // message_stop never comes
      }
    }).compose(s -> {
      assertThat(s.ended()).isFalse();
      assertThat(names(s)).doesNotContain("message_stop").endsWith("content_block_stop", "message_delta");
      assertThat(text(s)).isEqualTo(openAiAnswer("claude-2", user));
      assertThat(data(s, "message_delta").getJsonObject("usage").getInteger("output_tokens")).isPositive();
      return closed;
    }).map(model -> {
      assertThat(emulator.stats("claude-2").streamsCompleted()).isZero();
      assertThat(emulator.stats("claude-2").peerClosed()).isEqualTo(1);
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void limitsAndFaultsAreSharedWithTheOpenAiRoute(VertxTestContext ctx) {
    emulator.setFault("limited", Fault.status(500).times(1));
    post(body("limited", "hi").put("max_tokens", 10)).compose(reply -> {
      assertThat(reply.status()).isEqualTo(500);
      assertThat(reply.error().getString("type")).isEqualTo("api_error");
      return http.post(Http.chat("limited", "hi").put("max_tokens", 10));
    }).compose(openAi -> {
      assertThat(openAi.status()).isEqualTo(200); // the fault was spent by the Anthropic request
      assertThat(openAi.headers().get("x-ratelimit-remaining-requests")).isEqualTo("0"); // one window for the key
      return post(body("limited", "hi").put("max_tokens", 10));
    }).map(reply -> {
      assertThat(reply.status()).isEqualTo(429);
      assertThat(emulator.stats("limited").requests()).isEqualTo(3);
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }
}
