package dev.modelmux.translate;

import dev.modelmux.config.DeploymentConfig;
import dev.modelmux.core.Usage;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** An Anthropic message as an OpenAI chat.completion. */
final class ToOpenAiResponse {
  private ToOpenAiResponse() {}

  static ConvertedAnswer from(Buffer raw, DeploymentConfig deployment) {
    Json.checkAnthropicAnswer(new AnthropicEventPeek(), raw.getBytes(), deployment);
    JsonObject answer = Json.upstream(raw.toString(), deployment);
    StringBuilder text = new StringBuilder();
    JsonArray calls = new JsonArray();
    JsonArray content = answer.getJsonArray("content", new JsonArray());
    for (int i = 0; i < content.size(); i++) {
      JsonObject block = content.getJsonObject(i);
      if ("text".equals(block.getString("type"))) {
        text.append(block.getString("text", ""));
      } else if ("tool_use".equals(block.getString("type"))) {
        calls.add(new JsonObject().put("id", block.getString("id")).put("type", "function").put("function", new JsonObject()
            .put("name", block.getString("name")).put("arguments", block.getJsonObject("input", new JsonObject()).encode())));
      }
    }
    JsonObject message = new JsonObject().put("role", "assistant")
        .put("content", text.length() == 0 && !calls.isEmpty() ? null : text.toString())
        .put("refusal", null);
    if (!calls.isEmpty()) {
      message.put("tool_calls", calls);
    }
    JsonObject usage = answer.getJsonObject("usage", new JsonObject());
    int input = Json.intOr(usage, "input_tokens", 0) + Json.intOr(usage, "cache_creation_input_tokens", 0)
        + Json.intOr(usage, "cache_read_input_tokens", 0);
    int output = Json.intOr(usage, "output_tokens", 0);
    JsonObject completion = new JsonObject()
        .put("id", "chatcmpl-" + answer.getString("id", "modelmux"))
        .put("object", "chat.completion")
        .put("created", System.currentTimeMillis() / 1000)
        .put("model", answer.getString("model", deployment.model()))
        .put("choices", new JsonArray().add(new JsonObject().put("index", 0).put("message", message).put("logprobs", null)
            .put("finish_reason", Finish.fromAnthropic(answer.getString("stop_reason")).openAi())))
        .put("usage", new JsonObject().put("prompt_tokens", input).put("completion_tokens", output).put("total_tokens", input + output));
    return new ConvertedAnswer(completion.toBuffer(), new Usage(input, output));
  }
}
