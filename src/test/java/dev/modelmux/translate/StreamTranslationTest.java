package dev.modelmux.translate;

import static dev.modelmux.translate.TranslatorTestSupport.deployment;
import static dev.modelmux.translate.TranslatorTestSupport.relay;
import static dev.modelmux.translate.TranslatorTestSupport.splitAt;
import static dev.modelmux.translate.TranslatorTestSupport.whole;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelmux.config.DeploymentConfig;
import dev.modelmux.config.ProviderKind;
import dev.modelmux.core.ChatRequest;
import dev.modelmux.core.Dialect;
import dev.modelmux.core.ErrorKind;
import dev.modelmux.core.GatewayError;
import dev.modelmux.core.GatewayException;
import dev.modelmux.core.SseEvent;
import dev.modelmux.core.StreamStep;
import dev.modelmux.spi.Translator;
import dev.modelmux.stream.SseParser;
import dev.modelmux.translate.TranslatorTestSupport.Relayed;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Provider streams in one dialect, client streams in the other, whatever the network does to the bytes. */
class StreamTranslationTest {
  /** Anthropic's documented stream shape: text, then a tool call, ping and unknown events included, UTF-8 text. */
  static final String ANTHROPIC_STREAM = """
      event: message_start
      data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","content":[],"model":"claude-2","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"output_tokens":1}}}

      event: content_block_start
      data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

      event: ping
      data: {"type": "ping"}

      event: content_block_delta
      data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Héllo – 世界"}}

      event: content_block_delta
      data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" 🚀!"}}

      event: content_block_stop
      data: {"type":"content_block_stop","index":0}

      event: content_block_start
      data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{}}}

      event: content_block_delta
      data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\\"city\\":"}}

      event: content_block_delta
      data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":" \\"Paris\\"}"}}

      event: some_future_event
      data: {"type":"some_future_event"}

      event: content_block_stop
      data: {"type":"content_block_stop","index":1}

      event: message_delta
      data: {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":89}}

      event: message_stop
      data: {"type":"message_stop"}

      """;

  static final String OPENAI_STREAM = """
      data: {"choices":[],"created":0,"id":"","model":"","object":"","prompt_filter_results":[{"prompt_index":0,"content_filter_results":{}}]}

      data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"finish_reason":null}]}

      data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4","choices":[{"index":0,"delta":{"content":"Héllo – 世界"},"finish_reason":null}]}

      data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]},"finish_reason":null}]}

      data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\\"city\\": \\"Paris\\"}"}}]},"finish_reason":null}]}

      data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}

      data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"gpt-4","choices":[],"usage":{"prompt_tokens":19,"completion_tokens":12,"total_tokens":31}}

      data: [DONE]

      """;

  private static ChatRequest openAiRequest(boolean includeUsage) {
    JsonObject body = new JsonObject().put("model", "route").put("stream", true)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
    return new ChatRequest("req_1", Dialect.OPENAI, body, "route", true, includeUsage, null, 0);
  }

  private static ChatRequest anthropicRequest() {
    JsonObject body = new JsonObject().put("model", "route").put("stream", true).put("max_tokens", 100)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
    return new ChatRequest("req_1", Dialect.ANTHROPIC, body, "route", true, true, 100, 0);
  }

  private static Translator openAiClientOnAnthropic() {
    return Translators.create(openAiRequest(true), deployment(ProviderKind.ANTHROPIC, "claude-2", 4096), true);
  }

  private static Translator anthropicClientOnAzure() {
    return Translators.create(anthropicRequest(), deployment(ProviderKind.AZURE, "gpt-4", 4096), true);
  }

  private static List<SseEvent> events(String sse) {
    List<SseEvent> events = new ArrayList<>();
    new SseParser(events::add).handle(Buffer.buffer(sse));
    return events;
  }

  @Test
  void anthropicStreamBecomesOpenAiChunks() {
    Relayed relayed = relay(openAiClientOnAnthropic(), whole(ANTHROPIC_STREAM));
    assertThat(relayed.steps().get(0)).isEqualTo(StreamStep.HOLD);
    assertThat(relayed.steps()).endsWith(StreamStep.COMPLETE);
    List<SseEvent> out = events(relayed.output());
    assertThat(out.get(out.size() - 1).data()).isEqualTo("[DONE]");
    StringBuilder text = new StringBuilder();
    StringBuilder arguments = new StringBuilder();
    String finish = null;
    JsonObject usage = null;
    for (SseEvent event : out.subList(0, out.size() - 1)) {
      JsonObject chunk = new JsonObject(event.data());
      assertThat(chunk.getString("object")).isEqualTo("chat.completion.chunk");
      if (chunk.getValue("usage") instanceof JsonObject u) {
        usage = u;
      }
      for (Object c : chunk.getJsonArray("choices")) {
        JsonObject choice = (JsonObject) c;
        JsonObject delta = choice.getJsonObject("delta");
        text.append(delta.getString("content", ""));
        if (delta.getJsonArray("tool_calls") != null) {
          JsonObject call = delta.getJsonArray("tool_calls").getJsonObject(0);
          arguments.append(call.getJsonObject("function").getString("arguments", ""));
        }
        finish = choice.getString("finish_reason", finish);
      }
    }
    assertThat(text.toString()).isEqualTo("Héllo – 世界 🚀!");
    assertThat(new JsonObject(arguments.toString())).isEqualTo(new JsonObject().put("city", "Paris"));
    assertThat(finish).isEqualTo("tool_calls");
    assertThat(usage).isEqualTo(new JsonObject().put("prompt_tokens", 25).put("completion_tokens", 89).put("total_tokens", 114));
  }

  @Test
  void anthropicStreamSplitAnywhereTranslatesTheSame() {
    String reference = relay(openAiClientOnAnthropic(), whole(ANTHROPIC_STREAM)).output();
    int length = ANTHROPIC_STREAM.getBytes(StandardCharsets.UTF_8).length;
    for (int offset = 0; offset <= length; offset++) {
      String output = relay(openAiClientOnAnthropic(), splitAt(ANTHROPIC_STREAM, offset)).output();
      assertThat(normalise(output)).as("split at byte %d", offset).isEqualTo(normalise(reference));
    }
  }

  @Test
  void openAiStreamBecomesAnthropicEvents() {
    Relayed relayed = relay(anthropicClientOnAzure(), whole(OPENAI_STREAM));
    List<SseEvent> out = events(relayed.output());
    assertThat(out).extracting(SseEvent::event).containsExactly(
        "message_start", "content_block_start", "content_block_delta", "content_block_stop",
        "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop");
    assertThat(new JsonObject(out.get(2).data()).getJsonObject("delta").getString("text")).isEqualTo("Héllo – 世界");
    assertThat(new JsonObject(out.get(4).data()).getJsonObject("content_block"))
        .isEqualTo(new JsonObject().put("type", "tool_use").put("id", "call_1").put("name", "get_weather").put("input", new JsonObject()));
    JsonObject delta = new JsonObject(out.get(7).data());
    assertThat(delta.getJsonObject("delta").getString("stop_reason")).isEqualTo("tool_use");
    assertThat(delta.getJsonObject("usage").getInteger("output_tokens")).isEqualTo(12);
    assertThat(delta.getJsonObject("usage").getInteger("input_tokens")).isEqualTo(19);
    assertThat(relayed.steps()).endsWith(StreamStep.COMPLETE);
  }

  @Test
  void openAiStreamSplitAnywhereTranslatesTheSame() {
    String reference = relay(anthropicClientOnAzure(), whole(OPENAI_STREAM)).output();
    int length = OPENAI_STREAM.getBytes(StandardCharsets.UTF_8).length;
    for (int offset = 0; offset <= length; offset++) {
      assertThat(relay(anthropicClientOnAzure(), splitAt(OPENAI_STREAM, offset)).output()).as("split at %d", offset).isEqualTo(reference);
    }
  }

  @Test
  void anInBandAnthropicErrorBecomesAnOverloadedError() {
    String stream = ANTHROPIC_STREAM.substring(0, ANTHROPIC_STREAM.indexOf("event: content_block_stop"))
        + "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n";
    assertThatThrownBy(() -> relay(openAiClientOnAnthropic(), whole(stream)))
        .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.error().kind()).isEqualTo(ErrorKind.OVERLOADED));
  }

  @Test
  void aStreamThatEndsBeforeItsFinishIsAnError() {
    String cut = OPENAI_STREAM.substring(0, OPENAI_STREAM.indexOf("data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\""));
    Translator translator = anthropicClientOnAzure();
    relay(translator, whole(cut));
    assertThatThrownBy(() -> translator.onUpstreamEnd(Buffer.buffer())).isInstanceOf(GatewayException.class);
  }

  @Test
  void aReplayedContinuationThatDivergesEndsWithTheOriginalError() {
    GatewayError original = GatewayError.of(502, ErrorKind.UPSTREAM_ERROR, "the first stream broke");
    Translator continuation = ContinuationTranslator.create(openAiRequest(false),
        deployment(ProviderKind.OPENAI, "gpt-4", 4096), "Héllo – 世界 and something else", original);
    assertThatThrownBy(() -> relay(continuation, whole(OPENAI_STREAM)))
        .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.error()).isSameAs(original));
  }

  @Test
  void aReplayedContinuationSendsOnlyWhatTheClientHasNotSeen() {
    String stream = OPENAI_STREAM.replace("Héllo – 世界", "Héllo – 世界, and more");
    Translator continuation = ContinuationTranslator.create(openAiRequest(false),
        deployment(ProviderKind.OPENAI, "gpt-4", 4096), "Héllo – ", GatewayError.of(502, ErrorKind.UPSTREAM_ERROR, "x"));
    // The replay turns to a tool call after the text: a continuation may only carry text.
    assertThatThrownBy(() -> relay(continuation, whole(stream))).isInstanceOf(GatewayException.class);
    Translator textOnly = ContinuationTranslator.create(openAiRequest(false),
        deployment(ProviderKind.OPENAI, "gpt-4", 4096), "Héllo – ", GatewayError.of(502, ErrorKind.UPSTREAM_ERROR, "x"));
    String withoutTools = stream.replace("\"finish_reason\":\"tool_calls\"", "\"finish_reason\":\"stop\"").lines()
        .filter(l -> !l.contains("tool_calls")).map(l -> l + "\n").reduce("", String::concat);
    List<SseEvent> out = events(relay(textOnly, whole(withoutTools)).output());
    StringBuilder text = new StringBuilder();
    out.stream().filter(e -> e.data().startsWith("{")).forEach(e -> new JsonObject(e.data()).getJsonArray("choices")
        .forEach(c -> text.append(((JsonObject) c).getJsonObject("delta").getString("content", ""))));
    assertThat(text.toString()).isEqualTo("世界, and more");
    assertThat(out).noneMatch(e -> e.data().contains("\"role\""));
  }

  @Test
  void onlyWhitespaceSoFarIsContinuedByReplayNotByAnEmptyPrefillThatAnthropicRefuses() {
    DeploymentConfig claude = deployment(ProviderKind.ANTHROPIC, "claude-2", 100_000);
    GatewayError original = GatewayError.of(502, ErrorKind.UPSTREAM_ERROR, "x");
    JsonArray prefilled = new JsonObject(ContinuationTranslator.create(openAiRequest(false), claude, "Hello", original)
        .upstreamBody()).getJsonArray("messages");
    assertThat(prefilled.getJsonObject(prefilled.size() - 1).getString("role")).isEqualTo("assistant");
    JsonArray replayed = new JsonObject(ContinuationTranslator.create(openAiRequest(false), claude, " \n", original)
        .upstreamBody()).getJsonArray("messages");
    assertThat(replayed.getJsonObject(replayed.size() - 1).getString("role")).isEqualTo("user");
  }

  /** Chunk ids carry the upstream id; created is the translation time, which may tick between two runs. */
  private static String normalise(String output) {
    return output.replaceAll("\"created\":\\d+", "\"created\":0");
  }
}
