package dev.modelmux.translate;

import dev.modelmux.config.DeploymentConfig;
import dev.modelmux.core.StreamStep;
import dev.modelmux.core.Usage;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Writes stream parts as Anthropic Messages events: message_start, one content block per text run or tool
 * call, message_delta with the stop reason and cumulative usage, message_stop.
 */
final class AnthropicEventEncoder implements StreamEncoder {
  private final DeploymentConfig deployment;
  private Usage usage = Usage.UNKNOWN;
  private StreamPart.Finished finish;
  private int blocks;
  private boolean textOpen;
  private boolean blockOpen;

  AnthropicEventEncoder(DeploymentConfig deployment) {
    this.deployment = deployment;
  }

  /** For a continuation: the client already has message_start and an open text block at index 0. */
  AnthropicEventEncoder resumingTextBlock() {
    blockOpen = true;
    textOpen = true;
    return this;
  }

  @Override
  public StreamStep encode(StreamPart part, Buffer out) {
    if (part instanceof StreamPart.Start start) {
      usage = new Usage(start.inputTokens(), 0);
      JsonObject message = new JsonObject()
          .put("id", start.id().startsWith("msg_") ? start.id() : "msg_" + start.id())
          .put("type", "message").put("role", "assistant").put("content", new JsonArray())
          .put("model", start.model()).put("stop_reason", null).put("stop_sequence", null)
          .put("usage", new JsonObject().put("input_tokens", Math.max(0, start.inputTokens())).put("output_tokens", 0));
      event(out, "message_start", new JsonObject().put("message", message));
      return StreamStep.HOLD;
    }
    if (part instanceof StreamPart.Text text) {
      if (!textOpen) {
        openBlock(out, new JsonObject().put("type", "text").put("text", ""));
        textOpen = true;
      }
      delta(out, new JsonObject().put("type", "text_delta").put("text", text.text()));
      return StreamStep.CONTENT;
    }
    if (part instanceof StreamPart.ToolStart tool) {
      openBlock(out, new JsonObject().put("type", "tool_use").put("id", tool.id()).put("name", tool.name()).put("input", new JsonObject()));
      return StreamStep.CONTENT;
    }
    if (part instanceof StreamPart.ToolArguments args) {
      delta(out, new JsonObject().put("type", "input_json_delta").put("partial_json", args.fragment()));
      return StreamStep.CONTENT;
    }
    if (part instanceof StreamPart.Finished finished) {
      finish = finished;
      return StreamStep.CONTENT;
    }
    if (part instanceof StreamPart.Tokens tokens) {
      usage = new Usage(tokens.usage().promptTokens() >= 0 ? tokens.usage().promptTokens() : usage.promptTokens(),
          tokens.usage().completionTokens());
      return StreamStep.HOLD;
    }
    endWithoutTerminator(out);
    return StreamStep.COMPLETE;
  }

  @Override
  public void endWithoutTerminator(Buffer out) {
    if (finish == null) {
      throw Json.incomplete(deployment);
    }
    finale(out);
  }

  @Override
  public Usage usage() {
    return usage;
  }

  private void finale(Buffer out) {
    closeBlock(out);
    Finish reason = finish == null ? Finish.STOP : finish.reason();
    JsonObject delta = new JsonObject().put("stop_reason", reason.anthropic())
        .put("stop_sequence", finish == null ? null : finish.stopSequence());
    JsonObject tokens = new JsonObject().put("output_tokens", Math.max(0, usage.completionTokens()));
    if (usage.promptTokens() >= 0) {
      tokens.put("input_tokens", usage.promptTokens());
    }
    event(out, "message_delta", new JsonObject().put("delta", delta).put("usage", tokens));
    event(out, "message_stop", new JsonObject());
  }

  private void openBlock(Buffer out, JsonObject block) {
    closeBlock(out);
    blockOpen = true;
    event(out, "content_block_start", new JsonObject().put("index", blocks).put("content_block", block));
  }

  private void delta(Buffer out, JsonObject delta) {
    event(out, "content_block_delta", new JsonObject().put("index", blocks).put("delta", delta));
  }

  private void closeBlock(Buffer out) {
    if (blockOpen) {
      event(out, "content_block_stop", new JsonObject().put("index", blocks));
      blocks++;
      blockOpen = false;
      textOpen = false;
    }
  }

  private static void event(Buffer out, String name, JsonObject data) {
    JsonObject typed = new JsonObject().put("type", name);
    typed.mergeIn(data);
    out.appendString("event: ").appendString(name).appendString("\ndata: ").appendString(typed.encode()).appendString("\n\n");
  }
}
