package dev.modelmux.gateway;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.Tool;
import com.anthropic.models.messages.ToolChoiceTool;
import com.anthropic.models.messages.ToolUseBlock;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionNamedToolChoice;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import dev.modelmux.emulator.AnswerText;
import dev.modelmux.testing.GatewayFixture;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Both official SDKs against OpenAI-, Azure- and Anthropic-backed routes: a client never knows who answered. */
@ExtendWith(VertxExtension.class)
class CrossDialectSdkTest {
  private static GatewayFixture fixture;
  private static OpenAIClient openAi;
  private static AnthropicClient anthropic;

  @BeforeAll
  static void start(Vertx vertx) {
    fixture = await(GatewayFixture.start(vertx, GatewayFixture.CROSS_MODELS, GatewayFixture.CROSS, ""));
    String base = "http://127.0.0.1:" + fixture.port();
    openAi = OpenAIOkHttpClient.builder().baseUrl(base + "/v1").apiKey("client-key").maxRetries(0).build();
    anthropic = AnthropicOkHttpClient.builder().baseUrl(base).apiKey("client-key").maxRetries(0).build();
  }

  @AfterAll
  static void stop() {
    openAi.close();
    anthropic.close();
    await(fixture.close());
  }

  private static String expected(String userText) {
    return AnswerText.of(new JsonArray().add(new JsonObject().put("role", "system").put("content", "Be brief."))
        .add(new JsonObject().put("role", "user").put("content", userText)));
  }

  private static final Map<String, Object> CITY_SCHEMA = Map.of(
      "type", "object", "properties", Map.of("city", Map.of("type", "string")), "required", List.of("city"));

  // ---- OpenAI SDK ----

  private static ChatCompletionCreateParams.Builder openAiParams(String route, String userText) {
    return ChatCompletionCreateParams.builder().model(route).addSystemMessage("Be brief.").addUserMessage(userText);
  }

  @ParameterizedTest
  @ValueSource(strings = {"via-openai", "via-azure", "via-anthropic"})
  void openAiClientPlainAndStreamed(String route) {
    ChatCompletion plain = openAi.chat().completions().create(openAiParams(route, "words: 30").build());
    assertThat(plain.choices().get(0).message().content()).contains(expected("words: 30"));
    assertThat(plain.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
    long completionTokens = plain.usage().orElseThrow().completionTokens();
    assertThat(completionTokens).isPositive();
    assertThat(plain.usage().orElseThrow().promptTokens()).isPositive();

    StringBuilder text = new StringBuilder();
    AtomicReference<Long> streamedTokens = new AtomicReference<>();
    AtomicReference<String> finish = new AtomicReference<>();
    ChatCompletionCreateParams streamed = openAiParams(route, "words: 30")
        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
    try (StreamResponse<ChatCompletionChunk> stream = openAi.chat().completions().createStreaming(streamed)) {
      stream.stream().forEach(chunk -> {
        chunk.choices().forEach(c -> {
          c.delta().content().ifPresent(text::append);
          c.finishReason().ifPresent(f -> finish.set(f.asString()));
        });
        chunk.usage().ifPresent(u -> streamedTokens.set(u.completionTokens()));
      });
    }
    assertThat(text.toString()).isEqualTo(expected("words: 30"));
    assertThat(finish.get()).isEqualTo("stop");
    assertThat(streamedTokens.get()).isEqualTo(completionTokens);
  }

  @ParameterizedTest
  @ValueSource(strings = {"via-openai", "via-azure", "via-anthropic"})
  void openAiClientMaxTokensAndStop(String route) {
    ChatCompletion capped = openAi.chat().completions().create(openAiParams(route, "words: 60").maxCompletionTokens(4).build());
    assertThat(capped.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.LENGTH);
    assertThat(capped.usage().orElseThrow().completionTokens()).isEqualTo(4);

    ChatCompletion stopped = openAi.chat().completions().create(openAiParams(route, "say: one two STOP three").stop("STOP").build());
    assertThat(stopped.choices().get(0).message().content()).contains("one two ");
    assertThat(stopped.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
  }

  @ParameterizedTest
  @ValueSource(strings = {"via-openai", "via-azure", "via-anthropic"})
  void openAiClientForcedToolCall(String route) {
    FunctionDefinition weather = FunctionDefinition.builder().name("get_weather")
        .parameters(FunctionParameters.builder().putAllAdditionalProperties(Map.of(
            "type", JsonValue.from("object"),
            "properties", JsonValue.from(CITY_SCHEMA.get("properties")),
            "required", JsonValue.from(List.of("city")))).build())
        .build();
    ChatCompletionCreateParams request = openAiParams(route, "Weather in Paris?")
        .addTool(ChatCompletionFunctionTool.builder().function(weather).build())
        .toolChoice(ChatCompletionNamedToolChoice.builder()
            .function(ChatCompletionNamedToolChoice.Function.builder().name("get_weather").build()).build())
        .build();
    ChatCompletion plain = openAi.chat().completions().create(request);
    ChatCompletionMessageFunctionToolCall call = plain.choices().get(0).message().toolCalls().orElseThrow().get(0).asFunction();
    assertThat(call.function().name()).isEqualTo("get_weather");
    assertThat(new JsonObject(call.function().arguments()).getValue("city")).isInstanceOf(String.class);
    assertThat(plain.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);

    StringBuilder arguments = new StringBuilder();
    AtomicReference<String> name = new AtomicReference<>();
    AtomicReference<String> finish = new AtomicReference<>();
    try (StreamResponse<ChatCompletionChunk> stream = openAi.chat().completions().createStreaming(request)) {
      stream.stream().forEach(chunk -> chunk.choices().forEach(c -> {
        c.finishReason().ifPresent(f -> finish.set(f.asString()));
        c.delta().toolCalls().ifPresent(calls -> calls.forEach(t -> {
          t.function().flatMap(f -> f.name()).ifPresent(name::set);
          t.function().flatMap(f -> f.arguments()).ifPresent(arguments::append);
        }));
      }));
    }
    assertThat(name.get()).isEqualTo("get_weather");
    assertThat(new JsonObject(arguments.toString())).isEqualTo(new JsonObject(call.function().arguments()));
    assertThat(finish.get()).isEqualTo("tool_calls");
  }

  // ---- Anthropic SDK ----

  private static MessageCreateParams.Builder anthropicParams(String route, String userText) {
    return MessageCreateParams.builder().model(route).maxTokens(1024).system("Be brief.").addUserMessage(userText);
  }

  private static String text(Message message) {
    StringBuilder text = new StringBuilder();
    message.content().forEach(block -> block.text().ifPresent(t -> text.append(t.text())));
    return text.toString();
  }

  private static Message streamed(MessageCreateParams params) {
    MessageAccumulator accumulator = MessageAccumulator.create();
    try (com.anthropic.core.http.StreamResponse<RawMessageStreamEvent> stream = anthropic.messages().createStreaming(params)) {
      stream.stream().forEach(accumulator::accumulate);
    }
    return accumulator.message();
  }

  @ParameterizedTest
  @ValueSource(strings = {"via-openai", "via-azure", "via-anthropic"})
  void anthropicClientPlainAndStreamed(String route) {
    Message plain = anthropic.messages().create(anthropicParams(route, "words: 30").build());
    assertThat(text(plain)).isEqualTo(expected("words: 30"));
    assertThat(plain.stopReason()).contains(StopReason.END_TURN);
    assertThat(plain.usage().inputTokens()).isPositive();
    assertThat(plain.usage().outputTokens()).isPositive();

    Message streamed = streamed(anthropicParams(route, "words: 30").build());
    assertThat(text(streamed)).isEqualTo(expected("words: 30"));
    assertThat(streamed.stopReason()).contains(StopReason.END_TURN);
    assertThat(streamed.usage().outputTokens()).isEqualTo(plain.usage().outputTokens());
  }

  @ParameterizedTest
  @ValueSource(strings = {"via-openai", "via-azure", "via-anthropic"})
  void anthropicClientMaxTokensAndStop(String route) {
    Message capped = anthropic.messages().create(anthropicParams(route, "words: 60").maxTokens(4).build());
    assertThat(capped.stopReason()).contains(StopReason.MAX_TOKENS);
    assertThat(capped.usage().outputTokens()).isEqualTo(4);

    Message stopped = anthropic.messages().create(anthropicParams(route, "say: one two STOP three").stopSequences(List.of("STOP")).build());
    assertThat(text(stopped)).isEqualTo("one two ");
    // OpenAI providers say "stop" without telling which sequence matched, so only Anthropic can report stop_sequence.
    assertThat(stopped.stopReason()).contains(route.equals("via-anthropic") ? StopReason.STOP_SEQUENCE : StopReason.END_TURN);
  }

  @ParameterizedTest
  @ValueSource(strings = {"via-openai", "via-azure", "via-anthropic"})
  void anthropicClientForcedToolUse(String route) {
    Tool weather = Tool.builder().name("get_weather").description("Weather for a city")
        .inputSchema(Tool.InputSchema.builder()
            .properties(com.anthropic.core.JsonValue.from(CITY_SCHEMA.get("properties")))
            .addRequired("city").build())
        .build();
    MessageCreateParams request = anthropicParams(route, "Weather in Paris?").addTool(weather)
        .toolChoice(ToolChoiceTool.builder().name("get_weather").build()).build();
    for (Message message : List.of(anthropic.messages().create(request), streamed(request))) {
      ToolUseBlock use = message.content().stream().map(ContentBlock::toolUse).flatMap(Optional::stream).findFirst().orElseThrow();
      assertThat(use.name()).isEqualTo("get_weather");
      @SuppressWarnings("unchecked")
      Map<String, Object> input = use._input().convert(Map.class);
      assertThat(input.get("city")).isInstanceOf(String.class);
      assertThat(message.stopReason()).contains(StopReason.TOOL_USE);
    }
  }
}
