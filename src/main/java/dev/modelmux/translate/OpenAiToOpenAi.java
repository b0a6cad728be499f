package dev.modelmux.translate;

import dev.modelmux.config.DeploymentConfig;
import dev.modelmux.config.ProviderKind;
import dev.modelmux.gateway.ChatRequest;
import dev.modelmux.gateway.StreamStep;
import dev.modelmux.gateway.Translator;
import dev.modelmux.gateway.Usage;
import dev.modelmux.stream.SseEvent;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;

/**
 * OpenAI client, OpenAI or Azure provider: the body passes through with the deployment's model name (Azure: in
 * the path instead) and a request for stream usage; chunks pass through untouched unless the client did not ask
 * for usage, in which case the usage we asked for is taken out again. Azure's choice-less filter chunks are dropped.
 */
public final class OpenAiToOpenAi implements Translator {
  private static final Buffer DONE = Buffer.buffer("data: [DONE]\n\n");

  private final ChatRequest request;
  private final DeploymentConfig deployment;
  private Usage usage = Usage.UNKNOWN;
  private boolean finished;
  private final StringBuilder text = new StringBuilder();
  private boolean toolsSeen;

  public OpenAiToOpenAi(ChatRequest request, DeploymentConfig deployment) {
    this.request = request;
    this.deployment = deployment;
  }

  @Override
  public Buffer upstreamBody() {
    JsonObject body = new JsonObject(new LinkedHashMap<>(request.body().getMap()));
    if (deployment.provider() == ProviderKind.AZURE) {
      body.remove("model"); // Azure takes the deployment from the path
    } else {
      body.put("model", deployment.model());
    }
    if (request.stream()) {
      JsonObject options = request.body().getJsonObject("stream_options");
      body.put("stream_options", (options == null ? new JsonObject() : options.copy()).put("include_usage", true));
    }
    return body.toBuffer();
  }

  @Override
  public Buffer clientBody(Buffer upstreamBody) {
    JsonObject answer = Json.upstream(upstreamBody.toString(), deployment);
    readUsage(answer.getValue("usage"));
    return upstreamBody;
  }

  @Override
  public StreamStep onEvent(SseEvent event, Buffer out) {
    String data = event.data();
    if (data.equals("[DONE]")) {
      out.appendBuffer(DONE);
      return StreamStep.COMPLETE;
    }
    JsonObject chunk = Json.upstream(data, deployment);
    if (chunk.getValue("error") instanceof JsonObject || "error".equals(event.event())) {
      throw Json.inBandError(chunk.getJsonObject("error", new JsonObject()), deployment);
    }
    JsonArray choices = chunk.getJsonArray("choices", new JsonArray());
    Object reportedUsage = chunk.getValue("usage");
    if (reportedUsage != null) {
      readUsage(reportedUsage);
    }
    boolean usageChunk = choices.isEmpty() && reportedUsage instanceof JsonObject;
    if (choices.isEmpty() && !usageChunk) {
      return StreamStep.HOLD; // Azure's prompt-filter and async-filter annotation chunks: nothing for the client
    }
    if (request.includeUsage()) {
      appendEvent(out, data);
    } else if (!usageChunk) {
      if (chunk.containsKey("usage")) {
        chunk.remove("usage");
        data = chunk.encode();
      }
      appendEvent(out, data);
    }
    if (usageChunk && finished) {
      // The usage chunk is the last before [DONE]: finish now rather than wait on a terminator that may never come.
      out.appendBuffer(DONE);
      return StreamStep.COMPLETE;
    }
    return carriesContent(choices) ? StreamStep.CONTENT : StreamStep.HOLD;
  }

  @Override
  public void onUpstreamEnd(Buffer out) {
    if (!finished) {
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
    return text.toString();
  }

  @Override
  public boolean toolsSeen() {
    return toolsSeen;
  }

  private boolean carriesContent(JsonArray choices) {
    boolean content = false;
    for (int i = 0; i < choices.size(); i++) {
      if (!(choices.getValue(i) instanceof JsonObject choice)) {
        continue;
      }
      if (choice.getValue("finish_reason") != null) {
        finished = true;
        content = true;
      }
      if (choice.getValue("delta") instanceof JsonObject delta) {
        Object piece = delta.getValue("content");
        if (piece instanceof String s && !s.isEmpty() && choice.getInteger("index", 0) == 0) {
          text.append(s);
        }
        if (delta.getValue("tool_calls") != null || delta.getValue("function_call") != null) {
          toolsSeen = true;
        }
        if ((piece instanceof String s && !s.isEmpty()) || delta.getValue("tool_calls") != null
            || delta.getValue("refusal") instanceof String || delta.getValue("function_call") != null) {
          content = true;
        }
      }
    }
    return content;
  }

  private void readUsage(Object value) {
    if (value instanceof JsonObject u) {
      usage = new Usage(Json.intOr(u, "prompt_tokens", -1), Json.intOr(u, "completion_tokens", -1));
    }
  }

  private static void appendEvent(Buffer out, String data) {
    out.appendString("data: ").appendString(data).appendString("\n\n");
  }
}
