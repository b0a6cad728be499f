package dev.modelmux.translate;

import dev.modelmux.config.DeploymentConfig;
import dev.modelmux.core.Usage;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** An OpenAI chat.completion as an Anthropic message. */
final class ToAnthropicResponse {
  private ToAnthropicResponse() {}

  static ConvertedAnswer from(Buffer raw, DeploymentConfig deployment) {
    Json.checkOpenAiAnswer(new OpenAiChunkPeek(), raw.getBytes(), deployment);
    JsonObject completion = Json.upstream(raw.toString(), deployment);
    JsonArray choices = completion.getJsonArray("choices", new JsonArray());
    JsonObject choice = choices.isEmpty() ? new JsonObject() : choices.getJsonObject(0);
    JsonObject message = choice.getJsonObject("message", new JsonObject());
    JsonArray content = new JsonArray();
    if (message.getValue("content") instanceof String text && !text.isEmpty()) {
      content.add(new JsonObject().put("type", "text").put("text", text));
    }
    if (message.getValue("tool_calls") instanceof JsonArray calls) {
      for (int i = 0; i < calls.size(); i++) {
        JsonObject call = calls.getJsonObject(i);
        JsonObject function = call.getJsonObject("function", new JsonObject());
        String arguments = function.getString("arguments", "{}");
        content.add(new JsonObject().put("type", "tool_use").put("id", call.getString("id")).put("name", function.getString("name"))
            .put("input", arguments.isBlank() ? new JsonObject() : Json.upstream(arguments, deployment)));
      }
    }
    JsonObject usage = completion.getJsonObject("usage", new JsonObject());
    Usage tokens = new Usage(Json.intOr(usage, "prompt_tokens", 0), Json.intOr(usage, "completion_tokens", 0));
    String id = completion.getString("id", "modelmux");
    JsonObject answer = new JsonObject()
        .put("id", id.startsWith("msg_") ? id : "msg_" + id)
        .put("type", "message")
        .put("role", "assistant")
        .put("model", completion.getString("model", deployment.model()))
        .put("content", content)
        .put("stop_reason", Finish.fromOpenAi(choice.getString("finish_reason")).anthropic())
        .put("stop_sequence", null)
        .put("usage", new JsonObject().put("input_tokens", tokens.promptTokens()).put("output_tokens", tokens.completionTokens()));
    return new ConvertedAnswer(answer.toBuffer(), tokens);
  }
}
