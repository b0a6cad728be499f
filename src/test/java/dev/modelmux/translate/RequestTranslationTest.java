package dev.modelmux.translate;

import static dev.modelmux.translate.TranslatorTestSupport.deployment;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelmux.config.ProviderKind;
import dev.modelmux.core.ChatRequest;
import dev.modelmux.core.Dialect;
import dev.modelmux.core.GatewayException;
import dev.modelmux.spi.Translator;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** Request bodies between the dialects: everything that has a counterpart maps, the rest is a 400 naming it. */
class RequestTranslationTest {
  private static final JsonObject OPENAI_TOOL_CONVERSATION = new JsonObject("""
      {"model":"route","temperature":1.6,"stop":"END","user":"u-42","parallel_tool_calls":false,
       "tools":[{"type":"function","function":{"name":"get_weather","description":"Weather","parameters":
         {"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}],
       "tool_choice":{"type":"function","function":{"name":"get_weather"}},
       "messages":[
         {"role":"system","content":"Be brief."},
         {"role":"developer","content":"Use metric units."},
         {"role":"user","content":"Weather in Paris and Rome?"},
         {"role":"assistant","content":null,"tool_calls":[
           {"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}},
           {"id":"call_2","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Rome\\"}"}}]},
         {"role":"tool","tool_call_id":"call_1","content":"18C"},
         {"role":"tool","tool_call_id":"call_2","content":"24C"},
         {"role":"user","content":[{"type":"text","text":"Which is warmer?"}]}]}
      """);

  @Test
  void openAiToAnthropic() {
    JsonObject body = ToAnthropicRequest.from(OPENAI_TOOL_CONVERSATION, deployment(ProviderKind.ANTHROPIC, "claude-2", 4096), null);
    assertThat(body.getString("model")).isEqualTo("claude-2");
    assertThat(body.getInteger("max_tokens")).as("the deployment's default when the client set none").isEqualTo(1024);
    assertThat(body.getString("system")).isEqualTo("Be brief.\n\nUse metric units.");
    assertThat(body.getDouble("temperature")).as("clamped to Anthropic's 0..1").isEqualTo(1.0);
    assertThat(body.getJsonArray("stop_sequences")).containsExactly("END");
    assertThat(body.getJsonObject("metadata").getString("user_id")).isEqualTo("u-42");
    assertThat(body.getJsonObject("tool_choice"))
        .isEqualTo(new JsonObject().put("type", "tool").put("name", "get_weather").put("disable_parallel_tool_use", true));
    assertThat(body.getJsonArray("tools").getJsonObject(0).getJsonObject("input_schema").getString("type")).isEqualTo("object");

    JsonArray messages = body.getJsonArray("messages");
    assertThat(messages).hasSize(3);
    assertThat(messages.getJsonObject(0).getString("role")).isEqualTo("user");
    JsonArray toolUses = messages.getJsonObject(1).getJsonArray("content");
    assertThat(toolUses.getJsonObject(1)).isEqualTo(new JsonObject()
        .put("type", "tool_use").put("id", "call_2").put("name", "get_weather").put("input", new JsonObject().put("city", "Rome")));
    JsonArray results = messages.getJsonObject(2).getJsonArray("content");
    assertThat(messages.getJsonObject(2).getString("role")).isEqualTo("user");
    assertThat(results).as("both tool results and the next user text merge into one user turn").hasSize(3);
    assertThat(results.getJsonObject(0)).isEqualTo(new JsonObject().put("type", "tool_result").put("tool_use_id", "call_1").put("content", "18C"));
    assertThat(results.getJsonObject(2)).isEqualTo(new JsonObject().put("type", "text").put("text", "Which is warmer?"));
  }

  @Test
  void theClientsMaxTokensIsCappedByTheModel() {
    JsonObject body = ToAnthropicRequest.from(OPENAI_TOOL_CONVERSATION, deployment(ProviderKind.ANTHROPIC, "claude-2", 4096), 100_000);
    assertThat(body.getInteger("max_tokens")).isEqualTo(4096);
  }

  @Test
  void whatAnthropicCannotExpressIsA400NamingTheField() {
    for (String field : new String[] {"n", "logprobs", "response_format", "functions"}) {
      JsonObject request = OPENAI_TOOL_CONVERSATION.copy();
      switch (field) {
        case "n" -> request.put("n", 2);
        case "logprobs" -> request.put("logprobs", true);
        case "response_format" -> request.put("response_format", new JsonObject().put("type", "json_object"));
        default -> request.put("functions", new JsonArray());
      }
      assertThatThrownBy(() -> ToAnthropicRequest.from(request, deployment(ProviderKind.ANTHROPIC, "claude-2", 4096), null))
          .isInstanceOfSatisfying(GatewayException.class, e -> {
            assertThat(e.error().status()).isEqualTo(400);
            assertThat(e.error().param()).isEqualTo(field);
          });
    }
  }

  @Test
  void anthropicToOpenAi() {
    JsonObject anthropic = new JsonObject("""
        {"model":"route","max_tokens":300,"system":[{"type":"text","text":"Be brief."}],"stop_sequences":["END"],
         "temperature":0.3,"top_k":5,"metadata":{"user_id":"u-7"},
         "tools":[{"name":"get_weather","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}}],
         "tool_choice":{"type":"any","disable_parallel_tool_use":true},
         "messages":[
           {"role":"user","content":"Weather in Paris?"},
           {"role":"assistant","content":[{"type":"text","text":"Checking."},
             {"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Paris"}}]},
           {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"18C"}]},
             {"type":"text","text":"Thanks"}]}]}
        """);
    JsonObject body = ToOpenAiRequest.from(anthropic, deployment(ProviderKind.OPENAI, "gpt-4", 8192), true);
    assertThat(body.getString("model")).isEqualTo("gpt-4");
    assertThat(body.getInteger("max_tokens")).isEqualTo(300);
    assertThat(body.getJsonArray("stop")).containsExactly("END");
    assertThat(body.getString("user")).isEqualTo("u-7");
    assertThat(body.getString("tool_choice")).isEqualTo("required");
    assertThat(body.getBoolean("parallel_tool_calls")).isFalse();
    assertThat(body.getJsonObject("stream_options").getBoolean("include_usage")).isTrue();
    assertThat(body.containsKey("top_k")).isFalse();
    JsonArray messages = body.getJsonArray("messages");
    assertThat(messages.getJsonObject(0)).isEqualTo(new JsonObject().put("role", "system").put("content", "Be brief."));
    JsonObject assistant = messages.getJsonObject(2);
    assertThat(assistant.getString("content")).isEqualTo("Checking.");
    assertThat(assistant.getJsonArray("tool_calls").getJsonObject(0).getJsonObject("function").getString("arguments"))
        .isEqualTo("{\"city\":\"Paris\"}");
    assertThat(messages.getJsonObject(3)).isEqualTo(new JsonObject().put("role", "tool").put("tool_call_id", "toolu_1").put("content", "18C"));
    assertThat(messages.getJsonObject(4)).isEqualTo(new JsonObject().put("role", "user").put("content", "Thanks"));
  }

  @Test
  void azureTakesTheModelFromThePath() {
    JsonObject anthropic = new JsonObject().put("model", "route").put("max_tokens", 10)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
    ChatRequest request = new ChatRequest("req", Dialect.ANTHROPIC, anthropic, "route", false, true, 10, 0);
    Translator azure = Translators.create(request, deployment(ProviderKind.AZURE, "gpt-4", 8192), false);
    assertThat(new JsonObject(azure.upstreamBody()).containsKey("model")).isFalse();
    Translator openAi = Translators.create(request, deployment(ProviderKind.OPENAI, "gpt-4", 8192), false);
    assertThat(new JsonObject(openAi.upstreamBody()).getString("model")).isEqualTo("gpt-4");
  }

  @Test
  void extendedThinkingCannotGoToOpenAi() {
    JsonObject anthropic = new JsonObject().put("model", "route").put("max_tokens", 10)
        .put("thinking", new JsonObject().put("type", "enabled").put("budget_tokens", 1000))
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "hi")));
    assertThatThrownBy(() -> ToOpenAiRequest.from(anthropic, deployment(ProviderKind.OPENAI, "gpt-4", 8192), false))
        .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.error().param()).isEqualTo("thinking"));
  }
}
