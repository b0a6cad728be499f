package dev.modelmux.gateway;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.PermissionDeniedException;
import com.openai.errors.RateLimitException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.modelmux.config.AuthConfig;
import dev.modelmux.testing.GatewayFixture;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.HexFormat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The official SDKs against a gateway with client keys: the SDK's own exceptions for 401, 403 and 429, and a served call. */
@ExtendWith(VertxExtension.class)
class ClientKeySdkTest {
  private static final String KEY = "sk-client-sdk-3e9a7c1f05d2b864";
  private static final String OPENAI_LIMITED = "sk-client-sdk-limited-openai-52c1";
  private static final String ANTHROPIC_LIMITED = "sk-client-sdk-limited-anthropic-9d07";
  private static GatewayFixture fixture;
  private static String base;

  @BeforeAll
  static void start(Vertx vertx) {
    String auth = """
        auth:
          mode: keys
          keys:
            - id: sdk
              key_sha256: "%s"
              routes: [solo]
            - id: openai-limited
              key_sha256: "%s"
              limits: { rpm: 1 }
            - id: anthropic-limited
              key_sha256: "%s"
              limits: { rpm: 1 }
        """.formatted(hash(KEY), hash(OPENAI_LIMITED), hash(ANTHROPIC_LIMITED));
    fixture = await(GatewayFixture.start(vertx, GatewayFixture.MODELS, GatewayFixture.STANDARD, auth));
    base = "http://127.0.0.1:" + fixture.port();
  }

  private static String hash(String key) {
    return HexFormat.of().formatHex(AuthConfig.sha256(key));
  }

  @AfterAll
  static void stop() {
    await(fixture.close());
  }

  private static OpenAIClient openAi(String key) {
    return OpenAIOkHttpClient.builder().baseUrl(base + "/v1").apiKey(key).maxRetries(0).build();
  }

  private static AnthropicClient anthropic(String key) {
    return AnthropicOkHttpClient.builder().baseUrl(base).apiKey(key).maxRetries(0).build();
  }

  private static ChatCompletionCreateParams openAiParams(String route) {
    return ChatCompletionCreateParams.builder().model(route).addUserMessage("words: 5").build();
  }

  private static MessageCreateParams anthropicParams(String route) {
    return MessageCreateParams.builder().model(route).maxTokens(100).addUserMessage("words: 5").build();
  }

  @Test
  void openAiSdk() {
    OpenAIClient wrong = openAi("sk-client-wrong");
    OpenAIClient right = openAi(KEY);
    try {
      assertThatThrownBy(() -> wrong.chat().completions().create(openAiParams("solo")))
          .isInstanceOf(UnauthorizedException.class).hasMessageContaining("Invalid API key");
      assertThatThrownBy(() -> right.chat().completions().create(openAiParams("code-reasoning")))
          .isInstanceOf(PermissionDeniedException.class).hasMessageContaining("not allowed");
      ChatCompletion completion = right.chat().completions().create(openAiParams("solo"));
      assertThat(completion.choices().get(0).message().content()).isPresent();
    } finally {
      wrong.close();
      right.close();
    }
  }

  @Test
  void anthropicSdk() {
    AnthropicClient wrong = anthropic("sk-client-wrong");
    AnthropicClient right = anthropic(KEY);
    try {
      assertThatThrownBy(() -> wrong.messages().create(anthropicParams("solo")))
          .isInstanceOf(com.anthropic.errors.UnauthorizedException.class).hasMessageContaining("authentication_error");
      assertThatThrownBy(() -> right.messages().create(anthropicParams("code-reasoning")))
          .isInstanceOf(com.anthropic.errors.PermissionDeniedException.class).hasMessageContaining("permission_error");
      Message message = right.messages().create(anthropicParams("solo"));
      assertThat(message.content()).isNotEmpty();
    } finally {
      wrong.close();
      right.close();
    }
  }

  @Test
  void openAiSdkOverItsKeysLimit() {
    OpenAIClient limited = openAi(OPENAI_LIMITED);
    try {
      limited.chat().completions().create(openAiParams("solo"));
      assertThatThrownBy(() -> limited.chat().completions().create(openAiParams("solo")))
          .isInstanceOfSatisfying(RateLimitException.class, e -> {
            assertThat(e.getMessage()).contains("Client key 'openai-limited'");
            assertThat(e.headers().values("retry-after")).singleElement().satisfies(v -> assertThat(Long.parseLong(v)).isPositive());
          });
    } finally {
      limited.close();
    }
  }

  @Test
  void anthropicSdkOverItsKeysLimit() {
    AnthropicClient limited = anthropic(ANTHROPIC_LIMITED);
    try {
      limited.messages().create(anthropicParams("solo"));
      assertThatThrownBy(() -> limited.messages().create(anthropicParams("solo")))
          .isInstanceOfSatisfying(com.anthropic.errors.RateLimitException.class, e -> {
            assertThat(e.getMessage()).contains("rate_limit_error").contains("Client key 'anthropic-limited'");
            assertThat(e.headers().values("retry-after")).singleElement().satisfies(v -> assertThat(Long.parseLong(v)).isPositive());
          });
    } finally {
      limited.close();
    }
  }
}
