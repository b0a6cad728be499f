package dev.modelmux.prompts;

import dev.modelmux.core.ChatRequest;
import dev.modelmux.core.Dialect;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * A task call rendered with one variant, in the client's own dialect: the variant's messages first, then the ones the
 * client sent (so a chat can go on), on the task's route. The variant's parameters apply where the client set none;
 * of two output caps the lower one wins.
 */
final class RenderedRequest {
  private RenderedRequest() {}

  static ChatRequest build(ChatRequest call, Task task, Variant variant, Map<String, Object> scope, JsonArray clientMessages,
      Object clientSystem) {
    JsonObject body = call.body().copy();
    body.remove("variables");
    body.put("model", task.route());
    JsonArray messages = new JsonArray();
    StringBuilder system = new StringBuilder();
    for (MessageTemplate template : variant.messages()) {
      String content = template.render(scope);
      if (template.role().equals("system") && call.dialect() == Dialect.ANTHROPIC) {
        system.append(system.length() == 0 ? "" : "\n\n").append(content);
      } else {
        messages.add(new JsonObject().put("role", template.role()).put("content", content));
      }
    }
    if (clientMessages != null) {
      clientMessages.forEach(messages::add);
    }
    body.put("messages", messages);
    if (call.dialect() == Dialect.ANTHROPIC) {
      anthropicSystem(body, system.toString(), clientSystem);
    }
    Integer maxTokens = params(body, variant.params(), call.dialect(), call.maxOutputTokens());
    return new ChatRequest(call.requestId(), call.dialect(), body, task.route(), call.stream(), call.includeUsage(), maxTokens,
        body.toBuffer().length());
  }

  private static void anthropicSystem(JsonObject body, String rendered, Object clientSystem) {
    if (rendered.isEmpty()) {
      if (clientSystem != null) {
        body.put("system", clientSystem);
      }
      return;
    }
    if (clientSystem instanceof String text && !text.isEmpty()) {
      body.put("system", rendered + "\n\n" + text);
    } else if (clientSystem instanceof JsonArray blocks) {
      JsonArray all = new JsonArray().add(new JsonObject().put("type", "text").put("text", rendered));
      blocks.forEach(all::add);
      body.put("system", all);
    } else {
      body.put("system", rendered);
    }
  }

  /** Applies the variant's parameters; returns the output cap the request ends up with. */
  private static Integer params(JsonObject body, JsonObject params, Dialect dialect, Integer clientMax) {
    for (String name : new String[] {"temperature", "top_p"}) {
      if (params.containsKey(name) && !body.containsKey(name)) {
        body.put(name, params.getValue(name));
      }
    }
    if (params.containsKey("stop")) {
      String field = dialect == Dialect.OPENAI ? "stop" : "stop_sequences";
      Object stop = params.getValue("stop");
      if (!body.containsKey(field)) {
        body.put(field, dialect == Dialect.ANTHROPIC && stop instanceof String s ? new JsonArray().add(s) : stop);
      }
    }
    Integer variantMax = params.getInteger("max_tokens");
    if (variantMax == null || (clientMax != null && clientMax <= variantMax)) {
      return clientMax;
    }
    if (dialect == Dialect.OPENAI && body.containsKey("max_completion_tokens")) {
      body.put("max_completion_tokens", variantMax);
    } else {
      body.put("max_tokens", variantMax);
    }
    return variantMax;
  }
}
