package dev.modelmux.testing;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Valid completion requests of each dialect that use every feature at once: the seeds the fuzz tests mutate. */
public final class RichRequests {
  private RichRequests() {}

  /** Chat Completions with a system turn, an image part, a tool call and its result, tools and every sampling field. */
  public static JsonObject openAiRequest(String route, boolean stream) {
    JsonObject body = new JsonObject().put("model", route).put("messages", new JsonArray()
            .add(new JsonObject().put("role", "system").put("content", "be brief"))
            .add(new JsonObject().put("role", "user").put("content", new JsonArray()
                .add(new JsonObject().put("type", "text").put("text", "look"))
                .add(new JsonObject().put("type", "image_url")
                    .put("image_url", new JsonObject().put("url", "data:image/png;base64,iVBORw0KGgo=")))))
            .add(new JsonObject().put("role", "assistant").putNull("content").put("tool_calls", new JsonArray()
                .add(new JsonObject().put("id", "call_1").put("type", "function").put("function",
                    new JsonObject().put("name", "lookup").put("arguments", "{\"q\":\"x\"}")))))
            .add(new JsonObject().put("role", "tool").put("tool_call_id", "call_1").put("content", "found"))
            .add(new JsonObject().put("role", "user").put("content", "say: fine")))
        .put("temperature", 0.5).put("top_p", 0.9).put("max_tokens", 50).put("n", 1).put("stop", new JsonArray().add("END"))
        .put("tools", new JsonArray().add(new JsonObject().put("type", "function").put("function", new JsonObject()
            .put("name", "lookup").put("description", "find")
            .put("parameters", new JsonObject().put("type", "object")
                .put("properties", new JsonObject().put("q", new JsonObject().put("type", "string")))))))
        .put("tool_choice", "auto").put("parallel_tool_calls", true).put("user", "u-1")
        .put("metadata", new JsonObject().put("team", "fuzz")).put("seed", 7).put("presence_penalty", 0.1)
        .put("frequency_penalty", 0.1).put("logit_bias", new JsonObject()).put("response_format", new JsonObject().put("type", "text"));
    if (stream) {
      body.put("stream", true).put("stream_options", new JsonObject().put("include_usage", true));
    }
    return body;
  }

  /** Messages with a system block, an image, a tool use and its result, tools and every sampling field. */
  public static JsonObject anthropicRequest(String route, boolean stream) {
    return new JsonObject().put("model", route).put("max_tokens", 50)
        .put("system", new JsonArray().add(new JsonObject().put("type", "text").put("text", "be brief")))
        .put("messages", new JsonArray()
            .add(new JsonObject().put("role", "user").put("content", new JsonArray()
                .add(new JsonObject().put("type", "text").put("text", "look"))
                .add(new JsonObject().put("type", "image").put("source", new JsonObject().put("type", "base64")
                    .put("media_type", "image/png").put("data", "iVBORw0KGgo=")))))
            .add(new JsonObject().put("role", "assistant").put("content", new JsonArray()
                .add(new JsonObject().put("type", "text").put("text", "checking"))
                .add(new JsonObject().put("type", "tool_use").put("id", "toolu_1").put("name", "lookup")
                    .put("input", new JsonObject().put("q", "x")))))
            .add(new JsonObject().put("role", "user").put("content", new JsonArray()
                .add(new JsonObject().put("type", "tool_result").put("tool_use_id", "toolu_1").put("is_error", false)
                    .put("content", new JsonArray().add(new JsonObject().put("type", "text").put("text", "found"))))
                .add(new JsonObject().put("type", "text").put("text", "say: fine")))))
        .put("temperature", 0.5).put("top_p", 0.9).put("top_k", 5).put("stop_sequences", new JsonArray().add("END"))
        .put("stream", stream)
        .put("tools", new JsonArray().add(new JsonObject().put("name", "lookup").put("description", "find")
            .put("input_schema", new JsonObject().put("type", "object")
                .put("properties", new JsonObject().put("q", new JsonObject().put("type", "string"))))))
        .put("tool_choice", new JsonObject().put("type", "auto"))
        .put("metadata", new JsonObject().put("user_id", "u-1")).put("thinking", new JsonObject().put("type", "disabled"));
  }
}
