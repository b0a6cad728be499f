package dev.modelmux.tokens;

import static org.assertj.core.api.Assertions.assertThat;

import com.knuddels.jtokkit.api.Encoding;
import dev.modelmux.config.DeploymentConfig;
import dev.modelmux.config.ProviderKind;
import dev.modelmux.config.Secret;
import dev.modelmux.core.ChatRequest;
import dev.modelmux.core.Dialect;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A request is counted once per encoding, and the chat roles' cached counts are the encoder's own. */
class CountOncePerEncodingTest {
  private static DeploymentConfig deployment(ProviderKind kind, String model) {
    return DeploymentConfig.builder(model, kind, model).baseUrl(URI.create("http://127.0.0.1:1")).apiKey("K", new Secret("k")).build();
  }

  @Test
  void eachRolesCountIsTheEncodersOwn() {
    for (String model : List.of("gpt-4", "gpt-4o")) {
      Encoding encoding = TokenCounter.encodingFor(model);
      for (String role : List.of("system", "user", "assistant", "tool", "developer", "function", "critic", "")) {
        JsonArray messages = new JsonArray().add(new JsonObject().put("role", role).put("content", "hello there"));
        assertThat(TokenCounter.countChatWithToolsJson(encoding, messages, null)).as(model + " " + role)
            .isEqualTo(3 + 3 + encoding.countTokensOrdinary(role) + encoding.countTokensOrdinary("hello there"));
      }
    }
  }

  @Test
  void aSecondEncodingIsCountedOnceAndTheFirstIsNotCountedAgain() {
    JsonObject body = new JsonObject().put("model", "m").put("messages", new JsonArray()
        .add(new JsonObject().put("role", "user").put("content", "caf\u00e9 \ud83d\ude00 ".repeat(40))));
    ChatRequest request = new ChatRequest("r", Dialect.OPENAI, body, "m", false, false, null, 100);
    List<ChatRequest> counts = new ArrayList<>();
    PromptTokens.counting = counts::add;
    try {
      PromptTokens tokens = new PromptTokens(request);
      int cl100k = tokens.estimate(deployment(ProviderKind.OPENAI, "gpt-4"));
      int o200k = tokens.estimate(deployment(ProviderKind.OPENAI, "gpt-4o"));
      int claude = tokens.estimate(deployment(ProviderKind.ANTHROPIC, "claude-sonnet"));
      assertThat(tokens.estimate(deployment(ProviderKind.OPENAI, "gpt-4"))).isEqualTo(cl100k);
      assertThat(tokens.estimate(deployment(ProviderKind.OPENAI, "gpt-4o"))).isEqualTo(o200k);
      assertThat(counts).hasSize(2);
      assertThat(cl100k).isEqualTo(new PromptTokens(request).estimate(deployment(ProviderKind.OPENAI, "gpt-4")));
      assertThat(o200k).isEqualTo(new PromptTokens(request).estimate(deployment(ProviderKind.OPENAI, "gpt-4o")));
      assertThat(claude).isEqualTo((int) Math.ceil(cl100k * PromptTokens.ANTHROPIC_MARGIN));
    } finally {
      PromptTokens.counting = request1 -> { };
    }
  }
}
