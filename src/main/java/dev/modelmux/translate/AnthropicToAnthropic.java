package dev.modelmux.translate;

import dev.modelmux.config.DeploymentConfig;
import dev.modelmux.gateway.ChatRequest;
import dev.modelmux.gateway.GatewayException;
import dev.modelmux.gateway.StreamStep;
import dev.modelmux.gateway.Translator;
import dev.modelmux.gateway.Usage;
import dev.modelmux.provider.anthropic.AnthropicErrors;
import dev.modelmux.stream.SseEvent;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;

/** Anthropic client, Anthropic provider: the body passes with the deployment's model, events pass untouched. */
final class AnthropicToAnthropic implements Translator {
  private static final Buffer MESSAGE_STOP = Buffer.buffer("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");

  private final ChatRequest request;
  private final DeploymentConfig deployment;
  private int inputTokens = -1;
  private int outputTokens = -1;
  private boolean finished;
  private final StringBuilder text = new StringBuilder();
  private boolean toolsSeen;

  AnthropicToAnthropic(ChatRequest request, DeploymentConfig deployment) {
    this.request = request;
    this.deployment = deployment;
  }

  @Override
  public Buffer upstreamBody() {
    JsonObject body = new JsonObject(new LinkedHashMap<>(request.body().getMap()));
    body.put("model", deployment.model());
    body.put("max_tokens", Math.min(request.maxOutputTokens(), deployment.maxOutputTokens()));
    return body.toBuffer();
  }

  @Override
  public Buffer clientBody(Buffer upstreamBody) {
    JsonObject usage = Json.upstream(upstreamBody.toString(), deployment).getJsonObject("usage", new JsonObject());
    inputTokens = Json.intOr(usage, "input_tokens", -1);
    outputTokens = Json.intOr(usage, "output_tokens", -1);
    return upstreamBody;
  }

  @Override
  public StreamStep onEvent(SseEvent event, Buffer out) {
    JsonObject data = Json.upstream(event.data(), deployment);
    String type = data.getString("type", event.event());
    if ("error".equals(type)) {
      throw new GatewayException(AnthropicErrors.inStream(deployment, data.getJsonObject("error", new JsonObject())));
    }
    out.appendString("event: ").appendString(type).appendString("\ndata: ").appendString(event.data()).appendString("\n\n");
    switch (type) {
      case "message_start" -> {
        JsonObject usage = data.getJsonObject("message", new JsonObject()).getJsonObject("usage", new JsonObject());
        inputTokens = Json.intOr(usage, "input_tokens", -1);
        return StreamStep.HOLD;
      }
      case "message_delta" -> {
        JsonObject usage = data.getJsonObject("usage", new JsonObject());
        outputTokens = Json.intOr(usage, "output_tokens", outputTokens);
        inputTokens = Json.intOr(usage, "input_tokens", inputTokens);
        finished = true;
        if (data.getJsonObject("delta", new JsonObject()).getValue("stop_reason") instanceof String) {
          // Only message_stop may follow: send it now rather than wait on one that may never come.
          out.appendBuffer(MESSAGE_STOP);
          return StreamStep.COMPLETE;
        }
        return StreamStep.CONTENT;
      }
      case "message_stop" -> {
        return StreamStep.COMPLETE;
      }
      case "content_block_start", "content_block_delta" -> {
        JsonObject delta = data.getJsonObject("delta", new JsonObject());
        if ("text_delta".equals(delta.getString("type"))) {
          text.append(delta.getString("text", ""));
        }
        if ("tool_use".equals(data.getJsonObject("content_block", new JsonObject()).getString("type"))) {
          toolsSeen = true;
        }
        return StreamStep.CONTENT;
      }
      default -> {
        return StreamStep.HOLD;
      }
    }
  }

  @Override
  public void onUpstreamEnd(Buffer out) {
    if (!finished) {
      throw Json.incomplete(deployment);
    }
    out.appendBuffer(MESSAGE_STOP);
  }

  @Override
  public Usage usage() {
    return new Usage(inputTokens, outputTokens);
  }

  @Override
  public String textSoFar() {
    return text.toString();
  }

  @Override
  public boolean toolsSeen() {
    return toolsSeen;
  }
}
