package dev.modelmux.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.IntArrayList;
import dev.modelmux.tokens.TokenCounter;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Azure OpenAI: same answers as OpenAI, Azure's routing, auth, filter annotations, errors and headers. */
class EmulatorAzureTest extends EmulatorTestBase {
  private static final String VERSION = "2024-10-21";
  private static final JsonObject WEATHER = new JsonObject("""
      {"type":"function","function":{"name":"get_weather","description":"Weather now",
       "parameters":{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer"}},
                     "required":["city"]}}}""");

  static String path(String deployment) {
    return "/openai/deployments/" + deployment + "/chat/completions?api-version=" + VERSION;
  }

  static MultiMap headers() {
    return MultiMap.caseInsensitiveMultiMap().add("api-key", Http.KEY).add("content-type", "application/json");
  }

  /** An Azure body: OpenAI messages, no model (the deployment decides). */
  static JsonObject body(String userText) {
    JsonObject body = Http.chat("ignored", userText);
    body.remove("model");
    return body;
  }

  private Future<Http.Reply> post(String deployment, JsonObject body) {
    return http.post(path(deployment), headers(), body);
  }

  private Future<Http.Streamed> stream(String deployment, JsonObject body) {
    return http.stream(path(deployment), headers(), body.copy().put("stream", true), (e, r) -> { });
  }

  private static JsonObject choice(JsonObject chunk) {
    return chunk.getJsonArray("choices").getJsonObject(0);
  }

  @Test
  void sameTextAndUsageAsOpenAiWithFilterAnnotations(VertxTestContext ctx) {
    JsonObject body = body("Tell me about gateways.");
    JsonArray messages = body.getJsonArray("messages");
    Encoding enc = TokenCounter.encodingFor("gpt-4o");
    String expected = AnswerText.of(Turn.fromOpenAi(messages));
    int prompt = TokenCounter.countChat(enc, messages, null);
    int completion = TokenCounter.count(enc, expected);
    http.post(Http.chat("gpt-4o", "Tell me about gateways.")).compose(openAi -> {
      assertThat(openAi.json().getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content"))
          .isEqualTo(expected);
      return post("gpt-4o", body.copy().put("model", "no-such-model")); // body model ignored
    }).compose(reply -> {
      assertThat(reply.status()).isEqualTo(200);
      assertThat(reply.headers().get("apim-request-id")).startsWith("req_");
      assertThat(reply.headers().get("x-request-id")).isEqualTo(reply.headers().get("apim-request-id"));
      assertThat(reply.headers().get("x-ratelimit-remaining-requests")).isNotNull();
      assertThat(reply.headers().get("x-ratelimit-remaining-tokens")).isNotNull();
      JsonObject json = reply.json();
      assertThat(json.getString("model")).isEqualTo("gpt-4o");
      assertThat(json.getString("object")).isEqualTo("chat.completion");
      JsonObject promptFilter = json.getJsonArray("prompt_filter_results").getJsonObject(0);
      assertThat(promptFilter.getInteger("prompt_index")).isZero();
      assertThat(promptFilter.getJsonObject("content_filter_results").getJsonObject("hate"))
          .isEqualTo(new JsonObject().put("filtered", false).put("severity", "safe"));
      JsonObject choice = choice(json);
      assertThat(choice.getJsonObject("message").getString("content")).isEqualTo(expected);
      assertThat(choice.getString("finish_reason")).isEqualTo("stop");
      assertThat(choice.getJsonObject("content_filter_results").getJsonObject("violence").getString("severity")).isEqualTo("safe");
      assertThat(choice.getJsonObject("content_filter_results").getJsonObject("protected_material_code").getBoolean("detected")).isFalse();
      assertThat(json.getJsonObject("usage").getInteger("prompt_tokens")).isEqualTo(prompt);
      assertThat(json.getJsonObject("usage").getInteger("completion_tokens")).isEqualTo(completion);
      assertThat(json.getJsonObject("usage").getInteger("total_tokens")).isEqualTo(prompt + completion);
      return stream("gpt-4o", body.copy().put("stream_options", new JsonObject().put("include_usage", true)));
    }).map(s -> {
      assertThat(s.status()).isEqualTo(200);
      assertThat(s.headers().get("content-type")).startsWith("text/event-stream");
      assertThat(s.ended()).isTrue();
      assertThat(s.done()).isTrue();
      assertThat(s.events()).allMatch(e -> e.event().equals("message"));
      assertThat(s.text()).isEqualTo(expected);
      List<JsonObject> chunks = s.chunks();
      JsonObject first = chunks.get(0);
      assertThat(first.getJsonArray("choices")).isEmpty();
      assertThat(first.getString("id")).isEmpty();
      assertThat(first.getLong("created")).isZero();
      assertThat(first.getString("model")).isEmpty();
      assertThat(first.getString("object")).isEmpty();
      assertThat(first.getJsonArray("prompt_filter_results").getJsonObject(0).getJsonObject("content_filter_results")
          .getJsonObject("sexual").getBoolean("filtered")).isFalse();
      JsonObject role = choice(chunks.get(1));
      assertThat(role.getJsonObject("delta").getString("role")).isEqualTo("assistant");
      assertThat(role.getJsonObject("content_filter_results")).isEqualTo(new JsonObject());
      assertThat(chunks.size()).isEqualTo(AnswerText.pieces(expected).size() + 4);
      for (JsonObject content : chunks.subList(2, chunks.size() - 2)) {
        assertThat(choice(content).getJsonObject("content_filter_results").getJsonObject("hate").getString("severity"))
            .isEqualTo("safe");
        assertThat(content.getString("model")).isEqualTo("gpt-4o");
      }
      JsonObject finish = choice(chunks.get(chunks.size() - 2));
      assertThat(finish.getString("finish_reason")).isEqualTo("stop");
      assertThat(finish.getJsonObject("content_filter_results")).isEqualTo(new JsonObject());
      JsonObject usage = s.last().getJsonObject("usage");
      assertThat(usage.getInteger("prompt_tokens")).isEqualTo(prompt);
      assertThat(usage.getInteger("completion_tokens")).isEqualTo(completion);
      ModelStats stats = emulator.stats("gpt-4o");
      assertThat(stats.requests()).isEqualTo(3);
      assertThat(stats.streamsCompleted()).isEqualTo(1);
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void maxTokensTruncatesWithLength(VertxTestContext ctx) {
    JsonObject body = body("words: 30").put("max_tokens", 5);
    Encoding enc = TokenCounter.encodingFor("gpt-4");
    IntArrayList all = enc.encodeOrdinary(AnswerText.of(Turn.fromOpenAi(body.getJsonArray("messages"))));
    IntArrayList kept = new IntArrayList();
    for (int i = 0; i < 5; i++) {
      kept.add(all.get(i));
    }
    String expected = enc.decode(kept);
    post("gpt-4", body).compose(reply -> {
      JsonObject choice = choice(reply.json());
      assertThat(choice.getJsonObject("message").getString("content")).isEqualTo(expected);
      assertThat(choice.getString("finish_reason")).isEqualTo("length");
      assertThat(reply.json().getJsonObject("usage").getInteger("completion_tokens")).isEqualTo(5);
      return stream("gpt-4", body);
    }).map(s -> {
      assertThat(s.text()).isEqualTo(expected);
      assertThat(choice(s.chunks().get(s.chunks().size() - 1)).getString("finish_reason")).isEqualTo("length");
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void stopSequencesCut(VertxTestContext ctx) {
    JsonObject body = body("say: alpha beta gamma delta").put("stop", new JsonArray().add("gamma"));
    post("gpt-4", body).compose(reply -> {
      assertThat(choice(reply.json()).getJsonObject("message").getString("content")).isEqualTo("alpha beta ");
      assertThat(choice(reply.json()).getString("finish_reason")).isEqualTo("stop");
      return stream("gpt-4", body);
    }).map(s -> {
      assertThat(s.text()).isEqualTo("alpha beta ");
      assertThat(choice(s.chunks().get(s.chunks().size() - 1)).getString("finish_reason")).isEqualTo("stop");
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void forcedToolCallStreamedAndNot(VertxTestContext ctx) {
    JsonObject body = body("weather in Paris?").put("tools", new JsonArray().add(WEATHER))
        .put("tool_choice", new JsonObject().put("type", "function").put("function", new JsonObject().put("name", "get_weather")));
    post("gpt-4o", body).compose(reply -> {
      JsonObject choice = choice(reply.json());
      assertThat(choice.getString("finish_reason")).isEqualTo("tool_calls");
      JsonObject call = choice.getJsonObject("message").getJsonArray("tool_calls").getJsonObject(0);
      assertThat(call.getJsonObject("function").getString("name")).isEqualTo("get_weather");
      String arguments = call.getJsonObject("function").getString("arguments");
      JsonObject args = new JsonObject(arguments);
      assertThat(args.getString("city")).isEqualTo("emulated");
      assertThat(args.getInteger("days")).isEqualTo(1);
      return stream("gpt-4o", body).map(s -> {
        List<JsonObject> chunks = s.chunks();
        assertThat(chunks.get(0).getJsonArray("choices")).isEmpty();
        JsonObject start = choice(chunks.get(1)).getJsonObject("delta").getJsonArray("tool_calls").getJsonObject(0);
        assertThat(start.getString("id")).isEqualTo(call.getString("id"));
        StringBuilder streamed = new StringBuilder();
        for (JsonObject chunk : chunks.subList(2, chunks.size() - 1)) {
          assertThat(choice(chunk).containsKey("content_filter_results")).isTrue();
          streamed.append(choice(chunk).getJsonObject("delta").getJsonArray("tool_calls").getJsonObject(0)
              .getJsonObject("function").getString("arguments"));
        }
        assertThat(streamed.toString()).isEqualTo(arguments);
        assertThat(choice(chunks.get(chunks.size() - 1)).getString("finish_reason")).isEqualTo("tool_calls");
        assertThat(s.done()).isTrue();
        return null;
      });
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void authVersionAndDeploymentErrors(VertxTestContext ctx) {
    MultiMap noKey = MultiMap.caseInsensitiveMultiMap().add("content-type", "application/json");
    http.post(path("gpt-4"), noKey, body("hi")).compose(reply -> {
      assertThat(reply.status()).isEqualTo(401);
      assertThat(reply.error().getString("code")).isEqualTo("401");
      assertThat(reply.error().getString("message")).startsWith(
          "Access denied due to invalid subscription key or wrong API endpoint.");
      assertThat(reply.headers().get("apim-request-id")).isNotBlank();
      return http.post("/openai/deployments/gpt-4/chat/completions", headers(), body("hi"));
    }).compose(reply -> {
      assertThat(reply.status()).isEqualTo(400);
      assertThat(reply.error().getString("message")).contains("api-version");
      assertThat(reply.error().getString("code")).isEqualTo("BadRequest");
      return post("no-such-deployment", body("hi"));
    }).compose(reply -> {
      assertThat(reply.status()).isEqualTo(404);
      assertThat(reply.error().getString("code")).isEqualTo("DeploymentNotFound");
      assertThat(reply.error().getString("message")).startsWith("The API deployment for this resource does not exist.");
      return post("tiny", body("hi").put("max_tokens", 100));
    }).map(reply -> {
      assertThat(reply.status()).isEqualTo(400); // the model service's own error, in OpenAI's shape
      assertThat(reply.error().getString("code")).isEqualTo("context_length_exceeded");
      ModelStats stats = emulator.stats("gpt-4");
      assertThat(stats.errors()).isEqualTo(2); // the 401 and the 400 name deployment gpt-4
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void rateLimitsAreAzure429sWithRetryAfterAndRetryAfterMs(VertxTestContext ctx) {
    post("limited", body("words: 2")).compose(first -> {
      assertThat(first.status()).isEqualTo(200);
      assertThat(first.headers().get("x-ratelimit-remaining-requests")).isEqualTo("1");
      return post("limited", body("words: 2"));
    }).compose(second -> post("limited", body("words: 2"))).compose(third -> {
      assertThat(third.status()).isEqualTo(429);
      JsonObject error = third.error();
      assertThat(error.getString("code")).isEqualTo("429");
      String seconds = third.headers().get("retry-after");
      assertThat(Long.parseLong(seconds)).isBetween(1L, 60L);
      assertThat(Long.parseLong(third.headers().get("retry-after-ms"))).isBetween(1L, 60_000L);
      assertThat(error.getString("message")).startsWith("Requests to the ChatCompletions_Create Operation under Azure OpenAI API version "
          + VERSION + " have exceeded call rate limit").contains("Please retry after " + seconds + " second");
      assertThat(third.headers().get("x-ratelimit-remaining-requests")).isEqualTo("0");
      return post("tpm-limited", body("words: 2").put("max_tokens", 90));
    }).map(tokens -> {
      assertThat(tokens.status()).isEqualTo(429);
      assertThat(tokens.error().getString("message")).contains("exceeded token rate limit").contains("Please retry after ");
      assertThat(tokens.headers().get("retry-after-ms")).isNotNull();
      assertThat(tokens.headers().get("x-ratelimit-remaining-tokens")).isEqualTo("0");
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void injected429CarriesBothRetryHeaders(VertxTestContext ctx) {
    emulator.setFault("gpt-4", Fault.status(429).times(1));
    post("gpt-4", body("hi")).map(reply -> {
      assertThat(reply.status()).isEqualTo(429);
      assertThat(reply.error().getString("code")).isEqualTo("429");
      assertThat(reply.error().getString("message")).contains("Please retry after 1 second.");
      assertThat(reply.headers().get("retry-after")).isEqualTo("1");
      assertThat(reply.headers().get("retry-after-ms")).isEqualTo("1000");
      assertThat(reply.headers().get("x-ratelimit-remaining-requests")).isEqualTo("0");
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void contentFilterFault(VertxTestContext ctx) {
    emulator.setFault("gpt-4", Fault.of(Fault.Kind.CONTENT_FILTER).times(1));
    post("gpt-4", body("hi")).map(reply -> {
      assertThat(reply.status()).isEqualTo(400);
      JsonObject error = reply.error();
      assertThat(error.getString("code")).isEqualTo("content_filter");
      assertThat(error.getInteger("status")).isEqualTo(400);
      assertThat(error.getString("message")).startsWith("The response was filtered due to the prompt triggering Azure OpenAI's");
      JsonObject inner = error.getJsonObject("innererror");
      assertThat(inner.getString("code")).isEqualTo("ResponsibleAIPolicyViolation");
      JsonObject result = inner.getJsonObject("content_filter_result");
      assertThat(result.getJsonObject("sexual")).isEqualTo(new JsonObject().put("filtered", true).put("severity", "high"));
      assertThat(result.getJsonObject("hate").getBoolean("filtered")).isFalse();
      assertThat(inner.containsKey("content_filter_results")).isFalse();
      assertThat(emulator.fault("gpt-4")).isEqualTo(Fault.NONE); // the slot is shared with the OpenAI route
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void streamErrorFault(VertxTestContext ctx) {
    emulator.setFault("gpt-4", Fault.of(Fault.Kind.STREAM_ERROR).afterTokens(1).times(1));
    JsonObject body = body("words: 6");
    String firstPiece = AnswerText.pieces(AnswerText.of(Turn.fromOpenAi(body.getJsonArray("messages")))).get(0);
    stream("gpt-4", body).map(s -> {
      assertThat(s.status()).isEqualTo(200);
      assertThat(s.done()).isFalse();
      assertThat(s.text()).isEqualTo(firstPiece);
      JsonObject error = s.last().getJsonObject("error");
      assertThat(error.getString("type")).isEqualTo("server_error");
      assertThat(error.getString("message")).isEqualTo("The server had an error while processing your request. Sorry about that!");
      assertThat(s.events()).hasSize(4); // prompt filter, role, one piece, error
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }
}
