package dev.modelmux.gateway;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
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
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The official OpenAI Java SDK, through the gateway, to the emulator over real HTTP. */
@ExtendWith(VertxExtension.class)
class OpenAiSdkTest {
  private static GatewayFixture fixture;
  private static OpenAIClient sdk;

  @BeforeAll
  static void start(Vertx vertx) {
    fixture = await(GatewayFixture.start(vertx));
    sdk = OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + fixture.port() + "/v1").apiKey("any-client-key").maxRetries(0).build();
  }

  @AfterAll
  static void stop() {
    sdk.close();
    await(fixture.close());
  }

  private static String expected(String userText) {
    return AnswerText.of(new JsonArray().add(new JsonObject().put("role", "system").put("content", "Be brief."))
        .add(new JsonObject().put("role", "user").put("content", userText)));
  }

  private static ChatCompletionCreateParams.Builder params(String route, String userText) {
    return ChatCompletionCreateParams.builder().model(route).addSystemMessage("Be brief.").addUserMessage(userText);
  }

  @Test
  void nonStreamedAnswer() {
    ChatCompletion completion = sdk.chat().completions().create(params("code-reasoning", "words: 25").build());
    assertThat(completion.choices().get(0).message().content()).contains(expected("words: 25"));
    assertThat(completion.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
    assertThat(completion.model()).isEqualTo("gpt-4");
    assertThat(completion.usage().orElseThrow().completionTokens()).isPositive();
    assertThat(completion.usage().orElseThrow().promptTokens()).isPositive();
  }

  @Test
  void streamedAnswerHasTheSameTextAndUsageWhenAsked() {
    ChatCompletionCreateParams request = params("code-reasoning", "words: 25")
        .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
    StringBuilder text = new StringBuilder();
    AtomicReference<Long> completionTokens = new AtomicReference<>();
    try (StreamResponse<ChatCompletionChunk> stream = sdk.chat().completions().createStreaming(request)) {
      stream.stream().forEach(chunk -> {
        chunk.choices().forEach(c -> c.delta().content().ifPresent(text::append));
        chunk.usage().ifPresent(u -> completionTokens.set(u.completionTokens()));
      });
    }
    assertThat(text.toString()).isEqualTo(expected("words: 25"));
    ChatCompletion plain = sdk.chat().completions().create(params("code-reasoning", "words: 25").build());
    assertThat(completionTokens.get()).isEqualTo(plain.usage().orElseThrow().completionTokens());
  }

  @Test
  void streamWithoutUsageRequestCarriesNoUsage() {
    try (StreamResponse<ChatCompletionChunk> stream = sdk.chat().completions().createStreaming(params("gpt-3.5-turbo", "say: hi there").build())) {
      List<ChatCompletionChunk> chunks = stream.stream().toList();
      assertThat(chunks).allSatisfy(c -> assertThat(c.usage()).isEmpty());
      assertThat(chunks).anySatisfy(c -> assertThat(c.choices()).isNotEmpty());
    }
  }

  @Test
  void maxTokensCutsTheAnswerWithLength() {
    ChatCompletion completion = sdk.chat().completions().create(params("solo", "words: 50").maxCompletionTokens(5).build());
    assertThat(completion.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.LENGTH);
    assertThat(completion.usage().orElseThrow().completionTokens()).isEqualTo(5);
  }

  @Test
  void forcedToolCallStreamedAndNot() {
    FunctionDefinition weather = FunctionDefinition.builder().name("get_weather").description("Weather for a city")
        .parameters(FunctionParameters.builder()
            .putAdditionalProperty("type", JsonValue.from("object"))
            .putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("type", "string"))))
            .putAdditionalProperty("required", JsonValue.from(List.of("city")))
            .build())
        .build();
    ChatCompletionCreateParams request = params("code-reasoning", "What is the weather in Paris?")
        .addTool(ChatCompletionFunctionTool.builder().function(weather).build())
        .toolChoice(ChatCompletionNamedToolChoice.builder()
            .function(ChatCompletionNamedToolChoice.Function.builder().name("get_weather").build()).build())
        .build();

    ChatCompletion completion = sdk.chat().completions().create(request);
    ChatCompletionMessageFunctionToolCall call = completion.choices().get(0).message().toolCalls().orElseThrow().get(0).asFunction();
    assertThat(call.function().name()).isEqualTo("get_weather");
    assertThat(new JsonObject(call.function().arguments()).getValue("city")).isInstanceOf(String.class);
    assertThat(completion.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);

    StringBuilder arguments = new StringBuilder();
    AtomicReference<String> name = new AtomicReference<>();
    try (StreamResponse<ChatCompletionChunk> stream = sdk.chat().completions().createStreaming(request)) {
      stream.stream().forEach(chunk -> chunk.choices().forEach(c -> c.delta().toolCalls().ifPresent(calls -> calls.forEach(t -> {
        t.function().flatMap(f -> f.name()).ifPresent(name::set);
        t.function().flatMap(f -> f.arguments()).ifPresent(arguments::append);
      }))));
    }
    assertThat(name.get()).isEqualTo("get_weather");
    assertThat(new JsonObject(arguments.toString())).isEqualTo(new JsonObject(call.function().arguments()));
  }

  @Test
  void unknownModelIsA404TheSdkUnderstands() {
    assertThatThrownBy(() -> sdk.chat().completions().create(params("no-such-model", "hi").build()))
        .isInstanceOf(NotFoundException.class)
        .hasMessageContaining("no-such-model");
  }

  @Test
  void modelsListsRoutesAndModelNames() {
    List<String> ids = sdk.models().list().data().stream().map(m -> m.id()).toList();
    assertThat(ids).contains("code-reasoning", "solo", "gpt-4", "gpt-3.5-turbo");
  }
}
