package dev.modelmux.translate;

import dev.modelmux.config.DeploymentConfig;
import dev.modelmux.core.StreamStep;
import dev.modelmux.core.Usage;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Writes stream parts as OpenAI chat.completion.chunk events, ending with the usage chunk (if asked) and [DONE]. */
final class OpenAiChunkEncoder implements StreamEncoder {
  private final DeploymentConfig deployment;
  private final boolean includeUsage;
  private final long created = System.currentTimeMillis() / 1000;
  private String id;
  private String model;
  private Usage usage = Usage.UNKNOWN;
  private boolean finished;

  OpenAiChunkEncoder(DeploymentConfig deployment, boolean includeUsage) {
    this.deployment = deployment;
    this.includeUsage = includeUsage;
  }

  @Override
  public StreamStep encode(StreamPart part, Buffer out) {
    if (part instanceof StreamPart.Start start) {
      id = "chatcmpl-" + start.id();
      model = start.model();
      write(out, choice(new JsonObject().put("role", "assistant").put("content", ""), null));
      return StreamStep.HOLD;
    }
    if (part instanceof StreamPart.Text text) {
      write(out, choice(new JsonObject().put("content", text.text()), null));
      return StreamStep.CONTENT;
    }
    if (part instanceof StreamPart.ToolStart tool) {
      JsonObject call = new JsonObject().put("index", tool.index()).put("id", tool.id()).put("type", "function")
          .put("function", new JsonObject().put("name", tool.name()).put("arguments", ""));
      write(out, choice(new JsonObject().put("tool_calls", new JsonArray().add(call)), null));
      return StreamStep.CONTENT;
    }
    if (part instanceof StreamPart.ToolArguments args) {
      JsonObject call = new JsonObject().put("index", args.index()).put("function", new JsonObject().put("arguments", args.fragment()));
      write(out, choice(new JsonObject().put("tool_calls", new JsonArray().add(call)), null));
      return StreamStep.CONTENT;
    }
    if (part instanceof StreamPart.Finished finish) {
      finished = true;
      write(out, choice(new JsonObject(), finish.reason().openAi()));
      return StreamStep.CONTENT;
    }
    if (part instanceof StreamPart.Tokens tokens) {
      usage = tokens.usage();
      return StreamStep.HOLD;
    }
    endWithoutTerminator(out);
    return StreamStep.COMPLETE;
  }

  @Override
  public void endWithoutTerminator(Buffer out) {
    if (!finished) {
      throw Json.incomplete(deployment);
    }
    finale(out);
  }

  @Override
  public Usage usage() {
    return usage;
  }

  private void finale(Buffer out) {
    if (includeUsage && usage.promptTokens() >= 0) {
      JsonObject chunk = base().put("choices", new JsonArray()).put("usage", new JsonObject()
          .put("prompt_tokens", usage.promptTokens())
          .put("completion_tokens", usage.completionTokens())
          .put("total_tokens", usage.promptTokens() + usage.completionTokens()));
      write(out, chunk);
    }
    out.appendString("data: [DONE]\n\n");
  }

  private JsonObject choice(JsonObject delta, String finishReason) {
    JsonObject choice = new JsonObject().put("index", 0).put("delta", delta).put("logprobs", null).put("finish_reason", finishReason);
    return base().put("choices", new JsonArray().add(choice));
  }

  private JsonObject base() {
    return new JsonObject()
        .put("id", id == null ? "chatcmpl-modelmux" : id)
        .put("object", "chat.completion.chunk")
        .put("created", created)
        .put("model", model == null ? deployment.model() : model);
  }

  private static void write(Buffer out, JsonObject chunk) {
    out.appendString("data: ").appendString(chunk.encode()).appendString("\n\n");
  }
}
