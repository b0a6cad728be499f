package dev.modelmux.translate;

import dev.modelmux.config.DeploymentConfig;
import dev.modelmux.core.GatewayException;
import dev.modelmux.core.SseEvent;
import dev.modelmux.core.Usage;
import dev.modelmux.provider.anthropic.AnthropicErrors;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Reads an Anthropic Messages stream (named events, cumulative usage, in-band errors) into stream parts. */
final class AnthropicEventDecoder implements StreamDecoder {
  private final DeploymentConfig deployment;
  private final AnthropicEventPeek shape = new AnthropicEventPeek();
  private final Map<Integer, Integer> toolIndexByBlock = new HashMap<>();
  private int inputTokens = -1;

  AnthropicEventDecoder(DeploymentConfig deployment) {
    this.deployment = deployment;
  }

  @Override
  public void decode(SseEvent event, List<StreamPart> out) {
    try {
      shape.read(event.dataBytes(), false);
    } catch (IOException e) {
      throw Json.malformed(deployment);
    }
    JsonObject data = Json.upstream(event.data(), deployment);
    String type = data.getString("type", event.event());
    switch (type) {
      case "message_start" -> {
        JsonObject message = data.getJsonObject("message", new JsonObject());
        inputTokens = message.getJsonObject("usage", new JsonObject()).getValue("input_tokens") instanceof Number n ? n.intValue() : -1;
        out.add(new StreamPart.Start(message.getString("id", ""), message.getString("model", deployment.model()), inputTokens));
      }
      case "content_block_start" -> {
        JsonObject block = data.getJsonObject("content_block", new JsonObject());
        if ("tool_use".equals(block.getString("type"))) {
          int toolIndex = toolIndexByBlock.size();
          toolIndexByBlock.put(data.getInteger("index", 0), toolIndex);
          out.add(new StreamPart.ToolStart(toolIndex, block.getString("id", ""), block.getString("name", "")));
        } else if (block.getValue("text") instanceof String text && !text.isEmpty()) {
          out.add(new StreamPart.Text(text));
        }
      }
      case "content_block_delta" -> {
        JsonObject delta = data.getJsonObject("delta", new JsonObject());
        if (delta.getValue("text") instanceof String text && "text_delta".equals(delta.getString("type")) && !text.isEmpty()) {
          out.add(new StreamPart.Text(text));
        } else if ("input_json_delta".equals(delta.getString("type"))
            && delta.getValue("partial_json") instanceof String fragment && !fragment.isEmpty()) {
          out.add(new StreamPart.ToolArguments(toolIndexByBlock.getOrDefault(data.getInteger("index", 0), 0), fragment));
        }
      }
      case "message_delta" -> {
        JsonObject delta = data.getJsonObject("delta", new JsonObject());
        if (delta.getValue("stop_reason") instanceof String reason) {
          out.add(new StreamPart.Finished(Finish.fromAnthropic(reason), delta.getString("stop_sequence")));
        }
        JsonObject usage = data.getJsonObject("usage", new JsonObject());
        if (usage.getValue("input_tokens") instanceof Number n) {
          inputTokens = n.intValue();
        }
        out.add(new StreamPart.Tokens(new Usage(inputTokens, Json.intOr(usage, "output_tokens", -1))));
        if (delta.getValue("stop_reason") instanceof String) {
          // Only message_stop may follow the delta that carries the stop reason: finish now, as for a missing [DONE].
          out.add(new StreamPart.End());
        }
      }
      case "message_stop" -> out.add(new StreamPart.End());
      case "error" -> throw new GatewayException(AnthropicErrors.inStream(deployment, data.getJsonObject("error", new JsonObject())));
      default -> { } // ping, content_block_stop and event types added later carry nothing to relay
    }
  }
}
