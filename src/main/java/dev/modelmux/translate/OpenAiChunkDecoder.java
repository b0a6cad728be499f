package dev.modelmux.translate;

import dev.modelmux.config.DeploymentConfig;
import dev.modelmux.core.SseEvent;
import dev.modelmux.core.Usage;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.util.List;

/** Reads an OpenAI or Azure chat completion stream (Azure's empty filter chunks included) into stream parts. */
final class OpenAiChunkDecoder implements StreamDecoder {
  private final DeploymentConfig deployment;
  private final OpenAiChunkPeek shape = new OpenAiChunkPeek();
  private boolean started;
  private boolean finished;

  OpenAiChunkDecoder(DeploymentConfig deployment) {
    this.deployment = deployment;
  }

  @Override
  public void decode(SseEvent event, List<StreamPart> out) {
    if (event.data().equals("[DONE]")) {
      out.add(new StreamPart.End());
      return;
    }
    try {
      shape.read(event.dataBytes(), false);
    } catch (IOException e) {
      throw Json.malformed(deployment);
    }
    JsonObject chunk = Json.upstream(event.data(), deployment);
    if (chunk.getValue("error") instanceof JsonObject error) {
      throw Json.inBandError(error, deployment);
    }
    String id = chunk.getString("id", "");
    if (!started && !id.isEmpty()) {
      started = true;
      out.add(new StreamPart.Start(id, chunk.getString("model", deployment.model()), -1));
    }
    JsonArray choices = chunk.getJsonArray("choices", new JsonArray());
    if (!choices.isEmpty() && choices.getValue(0) instanceof JsonObject choice) {
      if (choice.getValue("delta") instanceof JsonObject delta) {
        if (delta.getValue("content") instanceof String text && !text.isEmpty()) {
          out.add(new StreamPart.Text(text));
        }
        if (delta.getValue("tool_calls") instanceof JsonArray calls) {
          toolCalls(calls, out);
        }
      }
      if (choice.getValue("finish_reason") instanceof String reason) {
        finished = true;
        out.add(new StreamPart.Finished(Finish.fromOpenAi(reason), null));
      }
    }
    if (chunk.getValue("usage") instanceof JsonObject usage) {
      out.add(new StreamPart.Tokens(new Usage(Json.intOr(usage, "prompt_tokens", -1), Json.intOr(usage, "completion_tokens", -1))));
      if (finished && choices.isEmpty()) {
        // The usage chunk we asked for is the last before [DONE]: end now rather than wait on a terminator that may never come.
        out.add(new StreamPart.End());
      }
    }
  }

  private static void toolCalls(JsonArray calls, List<StreamPart> out) {
    for (int i = 0; i < calls.size(); i++) {
      if (!(calls.getValue(i) instanceof JsonObject call)) {
        continue;
      }
      int index = call.getInteger("index", i);
      JsonObject function = call.getJsonObject("function", new JsonObject());
      if (call.getValue("id") instanceof String id) {
        out.add(new StreamPart.ToolStart(index, id, function.getString("name", "")));
      }
      if (function.getValue("arguments") instanceof String fragment && !fragment.isEmpty()) {
        out.add(new StreamPart.ToolArguments(index, fragment));
      }
    }
  }
}
