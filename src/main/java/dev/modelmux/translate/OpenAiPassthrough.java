package dev.modelmux.translate;

import dev.modelmux.config.DeploymentConfig;
import dev.modelmux.core.ChatRequest;
import dev.modelmux.core.SseEvent;
import dev.modelmux.core.StreamStep;
import dev.modelmux.core.Usage;
import dev.modelmux.spi.Translator;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

/**
 * An OpenAI client on a provider that speaks OpenAI's Chat Completions (OpenAI itself, Azure): the body passes with
 * its model and a request for stream usage patched in; chunks pass as the bytes that arrived, peeked at (not parsed)
 * for content, finish, tools and usage. When the client did not ask for usage, the usage we asked for is cut out again;
 * choice-less chunks without usage (Azure's content-filter annotations) are held back.
 */
abstract class OpenAiPassthrough implements Translator {
  private static final Buffer DONE = Buffer.buffer("data: [DONE]\n\n");

  protected final ChatRequest request;
  protected final DeploymentConfig deployment;
  private final AnswerSoFar answer;
  private final OpenAiChunkPeek peek = new OpenAiChunkPeek();
  private Usage usage = Usage.UNKNOWN;

  OpenAiPassthrough(ChatRequest request, DeploymentConfig deployment, boolean keepText) {
    this.request = request;
    this.deployment = deployment;
    this.answer = new AnswerSoFar(keepText);
  }

  /** How the provider wants the model named in the body: its value as JSON text, or null to leave it out. */
  protected abstract String modelMember();

  @Override
  public Buffer upstreamBody() {
    if (!request.stream()) {
      return request.patchedBody(Collections.singletonMap("model", modelMember()));
    }
    Map<String, String> changes = new HashMap<>();
    changes.put("model", modelMember());
    JsonObject options = request.body().getJsonObject("stream_options");
    changes.put("stream_options", (options == null ? new JsonObject() : options.copy()).put("include_usage", true).encode());
    return request.patchedBody(changes);
  }

  @Override
  public Buffer clientBody(Buffer upstreamBody) {
    Json.checkOpenAiAnswer(peek, Json.bytesOf(upstreamBody), deployment);
    if (peek.usageObject) {
      usage = new Usage(peek.promptTokens, peek.completionTokens);
    }
    return upstreamBody;
  }

  @Override
  public StreamStep onEvent(SseEvent event, Buffer out) {
    if (event.dataIs("[DONE]")) {
      if (!answer.finished()) {
        throw Json.incomplete(deployment);
      }
      out.appendBuffer(DONE);
      return StreamStep.COMPLETE;
    }
    read(event);
    if (peek.error || "error".equals(event.event())) {
      throw Json.inBandError(Json.upstream(event.data(), deployment).getValue("error") instanceof JsonObject e ? e : new JsonObject(), deployment);
    }
    if (peek.usageObject) {
      usage = new Usage(peek.promptTokens, peek.completionTokens);
    }
    boolean usageChunk = peek.choices == 0 && peek.usageObject;
    if (peek.choices == 0 && !usageChunk) {
      return StreamStep.HOLD;
    }
    if (request.includeUsage() || !peek.usagePresent) {
      event.appendTo(out);
    } else if (!usageChunk) {
      peek.appendWithoutUsage(out, event.dataArray(), event.dataOffset(), event.dataLength());
    }
    if (usageChunk && answer.finished()) {
      // The usage chunk is the last before [DONE]: finish now rather than wait on a terminator that may never come.
      out.appendBuffer(DONE);
      return StreamStep.COMPLETE;
    }
    if (peek.finished) {
      answer.finish();
    }
    if (peek.tools) {
      answer.toolCall();
    }
    answer.text(peek.text);
    return peek.content ? StreamStep.CONTENT : StreamStep.HOLD;
  }

  @Override
  public void onUpstreamEnd(Buffer out) {
    if (!answer.finished()) {
      throw Json.incomplete(deployment);
    }
    out.appendBuffer(DONE);
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

  private void read(SseEvent event) {
    try {
      peek.read(event.dataArray(), event.dataOffset(), event.dataLength(), answer.keepsText());
    } catch (IOException malformed) {
      throw Json.malformed(deployment);
    }
  }
}
