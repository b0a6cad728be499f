package dev.modelmux.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.IntArrayList;
import dev.modelmux.tokens.TokenCounter;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import org.junit.jupiter.api.Test;

class EmulatorChatTest extends EmulatorTestBase {

  private static final JsonObject WEATHER = new JsonObject("""
      {"type":"function","function":{"name":"get_weather","description":"Weather now",
       "parameters":{"type":"object","properties":{"city":{"type":"string"},"days":{"type":"integer"}},
                     "required":["city"]}}}""");

  @Test
  void streamAndNonStreamGiveTheSameTextAndExactUsage(VertxTestContext ctx) {
    JsonObject body = Http.chat("gpt-4o", "Tell me about gateways.");
    Encoding enc = TokenCounter.encodingFor("gpt-4o");
    String expected = AnswerText.of(body.getJsonArray("messages"));
    int prompt = TokenCounter.countChat(enc, body.getJsonArray("messages"), null);
    int completion = TokenCounter.count(enc, expected);
    http.post(body).compose(reply -> {
      assertThat(reply.status()).isEqualTo(200);
      assertThat(reply.headers().get("x-request-id")).startsWith("req_");
      assertThat(reply.headers().get("x-ratelimit-limit-requests")).isNotNull();
      assertThat(reply.headers().get("x-ratelimit-reset-tokens")).isEqualTo("0s");
      JsonObject json = reply.json();
      assertThat(json.getString("object")).isEqualTo("chat.completion");
      JsonObject choice = json.getJsonArray("choices").getJsonObject(0);
      assertThat(choice.getJsonObject("message").getString("content")).isEqualTo(expected);
      assertThat(choice.getString("finish_reason")).isEqualTo("stop");
      JsonObject usage = json.getJsonObject("usage");
      assertThat(usage.getInteger("prompt_tokens")).isEqualTo(prompt);
      assertThat(usage.getInteger("completion_tokens")).isEqualTo(completion);
      assertThat(usage.getInteger("total_tokens")).isEqualTo(prompt + completion);
      return http.stream(body.copy().put("stream_options", new JsonObject().put("include_usage", true)));
    }).map(s -> {
      assertThat(s.status()).isEqualTo(200);
      assertThat(s.headers().get("content-type")).startsWith("text/event-stream");
      assertThat(s.ended()).isTrue();
      assertThat(s.done()).isTrue();
      assertThat(s.events()).allMatch(e -> e.event().equals("message"));
      assertThat(s.text()).isEqualTo(expected);
      List<JsonObject> chunks = s.chunks();
      JsonObject first = chunks.get(0).getJsonArray("choices").getJsonObject(0);
      assertThat(first.getJsonObject("delta")).isEqualTo(new JsonObject().put("role", "assistant").put("content", "").put("refusal", null));
      assertThat(chunks).allMatch(c -> c.getString("id").equals(chunks.get(0).getString("id"))
          && c.getString("object").equals("chat.completion.chunk") && c.containsKey("usage"));
      assertThat(chunks.size()).isEqualTo(AnswerText.pieces(expected).size() + 3);
      JsonObject finish = chunks.get(chunks.size() - 2).getJsonArray("choices").getJsonObject(0);
      assertThat(finish.getJsonObject("delta").isEmpty()).isTrue();
      assertThat(finish.getString("finish_reason")).isEqualTo("stop");
      JsonObject last = s.last();
      assertThat(last.getJsonArray("choices")).isEmpty();
      assertThat(last.getJsonObject("usage").getInteger("prompt_tokens")).isEqualTo(prompt);
      assertThat(last.getJsonObject("usage").getInteger("completion_tokens")).isEqualTo(completion);
      ModelStats stats = emulator.stats("gpt-4o");
      assertThat(stats.requests()).isEqualTo(2);
      assertThat(stats.ok()).isEqualTo(2);
      assertThat(stats.streamsCompleted()).isEqualTo(1);
      assertThat(stats.completionTokens()).isEqualTo(2L * completion);
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void streamWithoutIncludeUsageHasNoUsageKeys(VertxTestContext ctx) {
    http.stream(Http.chat("gpt-4", "say: one two three")).map(s -> {
      assertThat(s.text()).isEqualTo("one two three");
      assertThat(s.chunks()).hasSize(5).noneMatch(c -> c.containsKey("usage"));
      assertThat(s.done()).isTrue();
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void sayAndWordsDirectives(VertxTestContext ctx) {
    http.post(Http.chat("gpt-4", "say: Héllo, wörld 🌍!")).compose(reply -> {
      assertThat(content(reply.json())).isEqualTo("Héllo, wörld 🌍!");
      return http.stream(Http.chat("gpt-4", "say: Héllo, wörld 🌍!"));
    }).compose(s -> {
      assertThat(s.text()).isEqualTo("Héllo, wörld 🌍!");
      return http.post(Http.chat("gpt-4", "words: 7"));
    }).map(reply -> {
      assertThat(content(reply.json()).split(" ")).hasSize(7);
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void maxTokensTruncatesWithLength(VertxTestContext ctx) {
    JsonObject body = Http.chat("gpt-4", "words: 30").put("max_tokens", 5);
    Encoding enc = TokenCounter.encodingFor("gpt-4");
    String full = AnswerText.of(body.getJsonArray("messages"));
    String expected = enc.decode(new IntArrayList() {{
        var all = enc.encodeOrdinary(full);
        for (int i = 0; i < 5; i++) {
          add(all.get(i));
        }
      }});
    http.post(body).compose(reply -> {
      JsonObject json = reply.json();
      assertThat(content(json)).isEqualTo(expected);
      assertThat(json.getJsonArray("choices").getJsonObject(0).getString("finish_reason")).isEqualTo("length");
      assertThat(json.getJsonObject("usage").getInteger("completion_tokens")).isEqualTo(5);
      return http.stream(Http.chat("gpt-4", "words: 30").put("max_completion_tokens", 5));
    }).map(s -> {
      assertThat(s.text()).isEqualTo(expected);
      assertThat(finishReason(s)).isEqualTo("length");
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void stopSequencesCutBeforeTheFirstOccurrence(VertxTestContext ctx) {
    JsonObject body = Http.chat("gpt-4", "say: alpha beta gamma beta delta").put("stop", new JsonArray().add("gamma").add(" beta"));
    http.post(body).compose(reply -> {
      assertThat(content(reply.json())).isEqualTo("alpha");
      assertThat(reply.json().getJsonArray("choices").getJsonObject(0).getString("finish_reason")).isEqualTo("stop");
      return http.stream(Http.chat("gpt-4", "say: alpha beta gamma").put("stop", "gamma"));
    }).map(s -> {
      assertThat(s.text()).isEqualTo("alpha beta ");
      assertThat(finishReason(s)).isEqualTo("stop");
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void forcedToolCallNonStreamed(VertxTestContext ctx) {
    JsonObject body = Http.chat("gpt-4o", "weather in Paris?").put("tools", new JsonArray().add(WEATHER))
        .put("tool_choice", new JsonObject().put("type", "function").put("function", new JsonObject().put("name", "get_weather")));
    http.post(body).map(reply -> {
      assertThat(reply.status()).isEqualTo(200);
      JsonObject choice = reply.json().getJsonArray("choices").getJsonObject(0);
      assertThat(choice.getString("finish_reason")).isEqualTo("tool_calls");
      JsonObject message = choice.getJsonObject("message");
      assertThat(message.containsKey("content")).isTrue();
      assertThat(message.getValue("content")).isNull();
      JsonObject call = message.getJsonArray("tool_calls").getJsonObject(0);
      assertThat(call.getString("id")).matches("call_[0-9a-f]{24}");
      assertThat(call.getString("type")).isEqualTo("function");
      assertThat(call.getJsonObject("function").getString("name")).isEqualTo("get_weather");
      JsonObject args = new JsonObject(call.getJsonObject("function").getString("arguments"));
      assertThat(args.getString("city")).isEqualTo("emulated");
      assertThat(args.getInteger("days")).isEqualTo(1);
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void requiredToolCallStreamed(VertxTestContext ctx) {
    JsonObject body = Http.chat("gpt-4o", "weather in Paris?").put("tools", new JsonArray().add(WEATHER))
        .put("tool_choice", "required");
    Future<Http.Reply> plain = http.post(body);
    plain.compose(reply -> http.stream(body).map(s -> {
      List<JsonObject> chunks = s.chunks();
      JsonObject firstDelta = chunks.get(0).getJsonArray("choices").getJsonObject(0).getJsonObject("delta");
      assertThat(firstDelta.getString("role")).isEqualTo("assistant");
      JsonObject start = firstDelta.getJsonArray("tool_calls").getJsonObject(0);
      JsonObject expectedCall = reply.json().getJsonArray("choices").getJsonObject(0).getJsonObject("message")
          .getJsonArray("tool_calls").getJsonObject(0);
      assertThat(start.getInteger("index")).isZero();
      assertThat(start.getString("id")).isEqualTo(expectedCall.getString("id"));
      assertThat(start.getJsonObject("function").getString("name")).isEqualTo("get_weather");
      assertThat(start.getJsonObject("function").getString("arguments")).isEmpty();
      StringBuilder args = new StringBuilder();
      for (JsonObject chunk : chunks.subList(1, chunks.size() - 1)) {
        JsonObject tc = chunk.getJsonArray("choices").getJsonObject(0).getJsonObject("delta").getJsonArray("tool_calls").getJsonObject(0);
        assertThat(tc.containsKey("id")).isFalse();
        args.append(tc.getJsonObject("function").getString("arguments"));
      }
      assertThat(chunks.size() - 2).isBetween(2, 3);
      assertThat(args.toString()).isEqualTo(expectedCall.getJsonObject("function").getString("arguments"));
      assertThat(new JsonObject(args.toString()).getString("city")).isEqualTo("emulated");
      assertThat(finishReason(s)).isEqualTo("tool_calls");
      assertThat(s.done()).isTrue();
      return null;
    })).onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void modelsListsTheEmulatedModels(VertxTestContext ctx) {
    http.send(HttpMethod.GET, "/v1/models", Http.KEY, null).map(reply -> {
      assertThat(reply.status()).isEqualTo(200);
      JsonObject json = reply.json();
      assertThat(json.getString("object")).isEqualTo("list");
      assertThat(reply.headers().get("x-request-id")).startsWith("req_");
      assertThat(json.getJsonArray("data").stream().map(m -> ((JsonObject) m).getString("id")))
          .containsExactly("gpt-4", "gpt-4o", "tiny", "limited", "tpm-limited");
      return null;
    }).onComplete(ctx.succeedingThenComplete());
  }

  static String content(JsonObject completion) {
    return completion.getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content");
  }

  static String finishReason(Http.Streamed s) {
    for (JsonObject chunk : s.chunks()) {
      JsonArray choices = chunk.getJsonArray("choices");
      if (!choices.isEmpty() && choices.getJsonObject(0).getString("finish_reason") != null) {
        return choices.getJsonObject(0).getString("finish_reason");
      }
    }
    return null;
  }
}
