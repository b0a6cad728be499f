package dev.modelmux.translate;

import dev.modelmux.config.DeploymentConfig;
import dev.modelmux.core.ChatRequest;
import dev.modelmux.core.GatewayException;
import dev.modelmux.core.JsonMembers;
import dev.modelmux.core.SseEvent;
import dev.modelmux.core.StreamStep;
import dev.modelmux.core.Usage;
import dev.modelmux.provider.anthropic.AnthropicErrors;
import dev.modelmux.spi.Translator;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.Map;

/**
 * Anthropic client, Anthropic provider: the body passes with the deployment's model and output cap patched in;
 * events pass as the bytes that arrived, peeked at (not parsed) for usage, stop and content.
 */
final class AnthropicToAnthropic implements Translator {
  private static final Buffer MESSAGE_STOP = Buffer.buffer("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
  private static final Buffer EVENT = Buffer.buffer("event: ");
  private static final Buffer DATA = Buffer.buffer("\ndata: ");
  private static final Buffer END_OF_EVENT = Buffer.buffer("\n\n");

  private final ChatRequest request;
  private final DeploymentConfig deployment;
  private final AnswerSoFar answer;
  private final AnthropicEventPeek peek = new AnthropicEventPeek();
  private Usage usage = Usage.UNKNOWN;

  AnthropicToAnthropic(ChatRequest request, DeploymentConfig deployment, boolean keepText) {
    this.request = request;
    this.deployment = deployment;
    this.answer = new AnswerSoFar(keepText);
  }

  @Override
  public Buffer upstreamBody() {
    int maxTokens = Math.min(request.maxOutputTokens(), deployment.maxOutputTokens());
    return request.patchedBody(Map.of("model", JsonMembers.quote(deployment.model()),
        "max_tokens", Integer.toString(maxTokens)));
  }

  @Override
  public Buffer clientBody(Buffer upstreamBody) {
    Json.checkAnthropicAnswer(peek, Json.bytesOf(upstreamBody), deployment);
    usage = new Usage(peek.inputTokens, peek.outputTokens);
    return upstreamBody;
  }

  @Override
  public StreamStep onEvent(SseEvent event, Buffer out) {
    byte[] data = event.dataBytes();
    read(data);
    String type = peek.type != null ? peek.type : event.event();
    if ("error".equals(type)) {
      JsonObject full = Json.upstream(event.data(), deployment);
      throw new GatewayException(AnthropicErrors.inStream(deployment, full.getValue("error") instanceof JsonObject e ? e : new JsonObject()));
    }
    out.appendBuffer(EVENT).appendString(type).appendBuffer(DATA).appendBytes(data).appendBuffer(END_OF_EVENT);
    switch (type) {
      case "message_start" -> {
        usage = new Usage(peek.inputTokens, usage.completionTokens());
        return StreamStep.HOLD;
      }
      case "message_delta" -> {
        usage = AnswerSoFar.merge(usage, peek.inputTokens, peek.outputTokens);
        if (peek.stopReason) {
          // Only message_stop may follow: send it now rather than wait on one that may never come.
          answer.finish();
          out.appendBuffer(MESSAGE_STOP);
          return StreamStep.COMPLETE;
        }
        return StreamStep.CONTENT;
      }
      case "message_stop" -> {
        if (!answer.finished()) {
          throw Json.incomplete(deployment);
        }
        return StreamStep.COMPLETE;
      }
      case "content_block_start", "content_block_delta" -> {
        answer.text(peek.text);
        if (peek.toolUse) {
          answer.toolCall();
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
    if (!answer.finished()) {
      throw Json.incomplete(deployment);
    }
    out.appendBuffer(MESSAGE_STOP);
  }

  @Override
  public Usage usage() {
    return usage;
  }

  @Override
  public String textSoFar() {
    return answer.text();
  }

  @Override
  public boolean toolsSeen() {
    return answer.toolsSeen();
  }

  private void read(byte[] json) {
    try {
      peek.read(json, answer.keepsText());
    } catch (IOException malformed) {
      throw Json.malformed(deployment);
    }
  }
}
