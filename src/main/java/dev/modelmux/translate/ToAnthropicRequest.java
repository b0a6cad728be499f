package dev.modelmux.translate;

import dev.modelmux.config.DeploymentConfig;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Set;

/**
 * An OpenAI chat completion body as an Anthropic Messages body: system turns lifted to "system", tool calls
 * and results as tool_use / tool_result blocks, consecutive same-role turns merged, max_tokens always set.
 * Fields with no Anthropic meaning either drop (sampling hints) or fail with a 400 naming them.
 */
final class ToAnthropicRequest {
  private static final Set<String> DROPPED = Set.of("model", "messages", "stream_options", "max_completion_tokens", "max_tokens",
      "presence_penalty", "frequency_penalty", "seed", "n", "store", "service_tier", "prompt_cache_key", "safety_identifier",
      "parallel_tool_calls", "user", "stop", "tools", "tool_choice", "temperature", "top_p", "stream", "metadata",
      "reasoning_effort", "logprobs", "top_logprobs", "response_format");

  private ToAnthropicRequest() {}

  static JsonObject from(JsonObject openAi, DeploymentConfig deployment, Integer maxTokens) {
    refuseUntranslatable(openAi);
    JsonObject body = new JsonObject().put("model", deployment.model());
    int limit = maxTokens == null ? deployment.defaultMaxTokens() : Math.min(maxTokens, deployment.maxOutputTokens());
    body.put("max_tokens", limit);
    messages(openAi.getJsonArray("messages"), body);
    if (openAi.getValue("temperature") instanceof Number t) {
      body.put("temperature", Math.min(1.0, t.doubleValue()));
    }
    if (openAi.getValue("top_p") instanceof Number p) {
      body.put("top_p", p);
    }
    Object stop = openAi.getValue("stop");
    if (stop instanceof String s) {
      body.put("stop_sequences", new JsonArray().add(s));
    } else if (stop instanceof JsonArray list && !list.isEmpty()) {
      body.put("stop_sequences", list.copy());
    }
    if (openAi.getValue("tools") instanceof JsonArray tools && !tools.isEmpty()) {
      body.put("tools", tools(tools));
    }
    JsonObject choice = toolChoice(openAi.getValue("tool_choice"), Boolean.FALSE.equals(openAi.getValue("parallel_tool_calls")));
    if (choice != null) {
      body.put("tool_choice", choice);
    }
    if (openAi.getValue("user") instanceof String user) {
      body.put("metadata", new JsonObject().put("user_id", user));
    }
    if (Boolean.TRUE.equals(openAi.getValue("stream"))) {
      body.put("stream", true);
    }
    return body;
  }

  private static void refuseUntranslatable(JsonObject openAi) {
    if (openAi.getValue("n") instanceof Number n && n.intValue() > 1) {
      throw Json.untranslatable("n", "Anthropic models return one choice per request; 'n' must be 1 on this route.");
    }
    if (Boolean.TRUE.equals(openAi.getValue("logprobs"))) {
      throw Json.untranslatable("logprobs", "Anthropic models do not return log probabilities; 'logprobs' is not supported on this route.");
    }
    if (openAi.getValue("logit_bias") instanceof JsonObject bias && !bias.isEmpty()) {
      throw Json.untranslatable("logit_bias", "Anthropic models have no logit bias; 'logit_bias' is not supported on this route.");
    }
    if (openAi.getValue("response_format") instanceof JsonObject format && !"text".equals(format.getString("type"))) {
      throw Json.untranslatable("response_format",
          "Anthropic models have no structured-output mode; 'response_format' must be text on this route.");
    }
    for (String field : openAi.fieldNames()) {
      if (!DROPPED.contains(field) && !field.equals("logit_bias")) {
        throw Json.untranslatable(field, "'" + field + "' has no Anthropic equivalent and is not supported on this route.");
      }
    }
  }

  private static void messages(JsonArray messages, JsonObject body) {
    StringBuilder system = new StringBuilder();
    JsonArray turns = new JsonArray();
    for (int i = 0; i < messages.size(); i++) {
      JsonObject message = messages.getJsonObject(i);
      String role = message.getString("role");
      switch (role) {
        case "system", "developer" -> {
          if (system.length() > 0) {
            system.append("\n\n");
          }
          system.append(text(message.getValue("content")));
        }
        case "assistant" -> append(turns, "assistant", assistantBlocks(message));
        case "tool", "function" -> append(turns, "user", new JsonArray().add(new JsonObject().put("type", "tool_result")
            .put("tool_use_id", message.getString("tool_call_id", message.getString("name", "")))
            .put("content", text(message.getValue("content")))));
        default -> append(turns, "user", userBlocks(message.getValue("content")));
      }
    }
    if (system.length() > 0) {
      body.put("system", system.toString());
    }
    body.put("messages", turns);
  }

  /** Anthropic wants user and assistant turns to alternate: a turn of the same role as the last one joins it. */
  private static void append(JsonArray turns, String role, JsonArray blocks) {
    if (blocks.isEmpty()) {
      return;
    }
    if (!turns.isEmpty() && role.equals(turns.getJsonObject(turns.size() - 1).getString("role"))) {
      turns.getJsonObject(turns.size() - 1).getJsonArray("content").addAll(blocks);
    } else {
      turns.add(new JsonObject().put("role", role).put("content", blocks));
    }
  }

  private static JsonArray assistantBlocks(JsonObject message) {
    JsonArray blocks = new JsonArray();
    String text = text(message.getValue("content"));
    if (!text.isEmpty()) {
      blocks.add(new JsonObject().put("type", "text").put("text", text));
    }
    if (message.getValue("tool_calls") instanceof JsonArray calls) {
      for (int i = 0; i < calls.size(); i++) {
        JsonObject call = calls.getJsonObject(i);
        JsonObject function = call.getJsonObject("function", new JsonObject());
        blocks.add(new JsonObject().put("type", "tool_use").put("id", call.getString("id"))
            .put("name", function.getString("name")).put("input", arguments(function.getString("arguments"))));
      }
    }
    return blocks;
  }

  private static JsonArray userBlocks(Object content) {
    JsonArray blocks = new JsonArray();
    if (content instanceof String text) {
      blocks.add(new JsonObject().put("type", "text").put("text", text));
    } else if (content instanceof JsonArray parts) {
      for (int i = 0; i < parts.size(); i++) {
        JsonObject part = parts.getJsonObject(i);
        if ("text".equals(part.getString("type"))) {
          blocks.add(new JsonObject().put("type", "text").put("text", part.getString("text", "")));
        } else if ("image_url".equals(part.getString("type"))) {
          blocks.add(image(part.getJsonObject("image_url", new JsonObject()).getString("url", "")));
        } else {
          throw Json.untranslatable("messages", "Content parts of type '" + part.getString("type") + "' are not supported on this route.");
        }
      }
    }
    return blocks;
  }

  private static JsonObject image(String url) {
    if (url.startsWith("data:") && url.contains(";base64,")) {
      String mediaType = url.substring(5, url.indexOf(';'));
      String data = url.substring(url.indexOf(";base64,") + 8);
      return new JsonObject().put("type", "image")
          .put("source", new JsonObject().put("type", "base64").put("media_type", mediaType).put("data", data));
    }
    return new JsonObject().put("type", "image").put("source", new JsonObject().put("type", "url").put("url", url));
  }

  private static JsonArray tools(JsonArray tools) {
    JsonArray converted = new JsonArray();
    for (int i = 0; i < tools.size(); i++) {
      JsonObject function = tools.getJsonObject(i).getJsonObject("function", new JsonObject());
      JsonObject tool = new JsonObject().put("name", function.getString("name"))
          .put("input_schema", function.getJsonObject("parameters", new JsonObject().put("type", "object")));
      if (function.getValue("description") instanceof String description) {
        tool.put("description", description);
      }
      converted.add(tool);
    }
    return converted;
  }

  private static JsonObject toolChoice(Object choice, boolean noParallel) {
    JsonObject converted;
    if (choice instanceof String mode) {
      converted = switch (mode) {
        case "none" -> new JsonObject().put("type", "none");
        case "required" -> new JsonObject().put("type", "any");
        default -> new JsonObject().put("type", "auto");
      };
    } else if (choice instanceof JsonObject named) {
      converted = new JsonObject().put("type", "tool").put("name", named.getJsonObject("function", new JsonObject()).getString("name"));
    } else if (noParallel) {
      converted = new JsonObject().put("type", "auto");
    } else {
      return null;
    }
    if (noParallel && !"none".equals(converted.getString("type"))) {
      converted.put("disable_parallel_tool_use", true);
    }
    return converted;
  }

  private static JsonObject arguments(String json) {
    try {
      return json == null || json.isBlank() ? new JsonObject() : new JsonObject(json);
    } catch (RuntimeException e) {
      throw Json.untranslatable("messages", "A tool call's arguments are not a JSON object, which Anthropic requires.");
    }
  }

  static String text(Object content) {
    if (content instanceof String s) {
      return s;
    }
    StringBuilder joined = new StringBuilder();
    if (content instanceof JsonArray parts) {
      for (int i = 0; i < parts.size(); i++) {
        if (parts.getValue(i) instanceof JsonObject part && part.getValue("text") instanceof String t) {
          if (joined.length() > 0) {
            joined.append('\n');
          }
          joined.append(t);
        }
      }
    }
    return joined.toString();
  }
}
