package dev.modelmux.translate;

import dev.modelmux.config.DeploymentConfig;
import dev.modelmux.tokens.TokenCounter;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Set;

/**
 * An Anthropic Messages body as an OpenAI chat completion body: "system" becomes the first message, tool_use
 * blocks become tool_calls, tool_result blocks become tool messages. Fields with no OpenAI meaning either
 * drop (top_k) or fail with a 400 naming them.
 */
final class ToOpenAiRequest {
  private static final Set<String> KNOWN = Set.of("model", "messages", "system", "max_tokens", "stream", "temperature", "top_p",
      "top_k", "stop_sequences", "tools", "tool_choice", "metadata", "service_tier", "thinking");

  private ToOpenAiRequest() {}

  static JsonObject from(JsonObject anthropic, DeploymentConfig deployment, boolean stream) {
    for (String field : anthropic.fieldNames()) {
      if (!KNOWN.contains(field)) {
        throw Json.untranslatable(field, "'" + field + "' has no OpenAI equivalent and is not supported on this route.");
      }
    }
    if (anthropic.getValue("thinking") instanceof JsonObject thinking && !"disabled".equals(thinking.getString("type"))) {
      throw Json.untranslatable("thinking", "Extended thinking is not available on this route's OpenAI deployments.");
    }
    JsonObject body = new JsonObject().put("model", deployment.model());
    JsonArray messages = new JsonArray();
    String system = systemText(anthropic.getValue("system"));
    if (!system.isEmpty()) {
      messages.add(new JsonObject().put("role", "system").put("content", system));
    }
    JsonArray turns = anthropic.getJsonArray("messages");
    for (int i = 0; i < turns.size(); i++) {
      JsonObject turn = turns.getJsonObject(i);
      if ("assistant".equals(turn.getString("role"))) {
        messages.add(assistant(turn.getValue("content")));
      } else {
        user(turn.getValue("content"), messages);
      }
    }
    body.put("messages", messages);
    int maxTokens = Math.min(anthropic.getInteger("max_tokens"), deployment.maxOutputTokens());
    body.put(usesCompletionTokens(deployment.model()) ? "max_completion_tokens" : "max_tokens", maxTokens);
    copy(anthropic, "temperature", body, "temperature");
    copy(anthropic, "top_p", body, "top_p");
    if (anthropic.getValue("stop_sequences") instanceof JsonArray stops && !stops.isEmpty()) {
      body.put("stop", stops.copy());
    }
    if (anthropic.getValue("tools") instanceof JsonArray tools && !tools.isEmpty()) {
      body.put("tools", tools(tools));
    }
    if (anthropic.getValue("tool_choice") instanceof JsonObject choice) {
      toolChoice(choice, body);
    }
    if (anthropic.getValue("metadata") instanceof JsonObject metadata && metadata.getValue("user_id") instanceof String user) {
      body.put("user", user);
    }
    if (stream) {
      body.put("stream", true).put("stream_options", new JsonObject().put("include_usage", true));
    }
    return body;
  }

  /** o-series and gpt-5 reasoning models refuse max_tokens. */
  private static boolean usesCompletionTokens(String model) {
    return TokenCounter.isOSeries(model) || model.startsWith("gpt-5");
  }

  static String systemText(Object system) {
    if (system instanceof String s) {
      return s;
    }
    return ToAnthropicRequest.text(system);
  }

  private static JsonObject assistant(Object content) {
    JsonObject message = new JsonObject().put("role", "assistant");
    if (content instanceof String text) {
      return message.put("content", text);
    }
    StringBuilder text = new StringBuilder();
    JsonArray calls = new JsonArray();
    JsonArray blocks = (JsonArray) content;
    for (int i = 0; i < blocks.size(); i++) {
      JsonObject block = blocks.getJsonObject(i);
      switch (block.getString("type", "")) {
        case "text" -> text.append(block.getString("text", ""));
        case "tool_use" -> calls.add(new JsonObject().put("id", block.getString("id")).put("type", "function")
            .put("function", new JsonObject().put("name", block.getString("name"))
                .put("arguments", block.getJsonObject("input", new JsonObject()).encode())));
        default -> { } // thinking blocks stay with the model that produced them
      }
    }
    message.put("content", text.length() == 0 && !calls.isEmpty() ? null : text.toString());
    if (!calls.isEmpty()) {
      message.put("tool_calls", calls);
    }
    return message;
  }

  private static void user(Object content, JsonArray messages) {
    if (content instanceof String text) {
      messages.add(new JsonObject().put("role", "user").put("content", text));
      return;
    }
    JsonArray parts = new JsonArray();
    JsonArray blocks = (JsonArray) content;
    for (int i = 0; i < blocks.size(); i++) {
      JsonObject block = blocks.getJsonObject(i);
      switch (block.getString("type", "")) {
        case "tool_result" -> messages.add(new JsonObject().put("role", "tool")
            .put("tool_call_id", block.getString("tool_use_id")).put("content", ToAnthropicRequest.text(toolResultText(block))));
        case "text" -> parts.add(new JsonObject().put("type", "text").put("text", block.getString("text", "")));
        case "image" -> parts.add(new JsonObject().put("type", "image_url").put("image_url", new JsonObject().put("url", imageUrl(block))));
        default -> throw Json.untranslatable("messages", "Content blocks of type '" + block.getString("type") + "' are not supported on this route.");
      }
    }
    if (!parts.isEmpty()) {
      boolean textOnly = parts.stream().allMatch(p -> "text".equals(((JsonObject) p).getString("type")));
      messages.add(new JsonObject().put("role", "user").put("content", textOnly ? ToAnthropicRequest.text(parts) : parts));
    }
  }

  private static Object toolResultText(JsonObject block) {
    Object content = block.getValue("content");
    return content == null ? "" : content;
  }

  private static String imageUrl(JsonObject block) {
    JsonObject source = block.getJsonObject("source", new JsonObject());
    if ("base64".equals(source.getString("type"))) {
      return "data:" + source.getString("media_type") + ";base64," + source.getString("data");
    }
    return source.getString("url", "");
  }

  private static JsonArray tools(JsonArray tools) {
    JsonArray converted = new JsonArray();
    for (int i = 0; i < tools.size(); i++) {
      JsonObject tool = tools.getJsonObject(i);
      JsonObject function = new JsonObject().put("name", tool.getString("name"))
          .put("parameters", tool.getJsonObject("input_schema", new JsonObject().put("type", "object")));
      if (tool.getValue("description") instanceof String description) {
        function.put("description", description);
      }
      converted.add(new JsonObject().put("type", "function").put("function", function));
    }
    return converted;
  }

  private static void toolChoice(JsonObject choice, JsonObject body) {
    switch (choice.getString("type", "auto")) {
      case "any" -> body.put("tool_choice", "required");
      case "none" -> body.put("tool_choice", "none");
      case "tool" -> body.put("tool_choice", new JsonObject().put("type", "function")
          .put("function", new JsonObject().put("name", choice.getString("name"))));
      default -> body.put("tool_choice", "auto");
    }
    if (Boolean.TRUE.equals(choice.getValue("disable_parallel_tool_use"))) {
      body.put("parallel_tool_calls", false);
    }
  }

  private static void copy(JsonObject from, String field, JsonObject to, String as) {
    if (from.getValue(field) != null) {
      to.put(as, from.getValue(field));
    }
  }
}
