package dev.modelmux.translate;

import dev.modelmux.core.Dialect;
import dev.modelmux.spi.AnswerFilter;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** A whole answer, already in the client's dialect, with its text passed through a filter. */
final class AnswerRewrite {
  private AnswerRewrite() {}

  static Buffer apply(Dialect dialect, Buffer answer, AnswerFilter filter) {
    JsonObject body = new JsonObject(answer);
    return (dialect == Dialect.OPENAI ? openAi(body, filter) : anthropic(body, filter)).toBuffer();
  }

  private static JsonObject openAi(JsonObject completion, AnswerFilter filter) {
    JsonArray choices = completion.getJsonArray("choices", new JsonArray());
    if (!choices.isEmpty() && choices.getValue(0) instanceof JsonObject choice
        && choice.getValue("message") instanceof JsonObject message && message.getValue("content") instanceof String text) {
      message.put("content", filter.push(text) + filter.finish());
    }
    return completion;
  }

  /** The text blocks are joined, filtered, and put back as one block where the first one was. */
  private static JsonObject anthropic(JsonObject message, AnswerFilter filter) {
    JsonArray content = message.getJsonArray("content", new JsonArray());
    StringBuilder text = new StringBuilder();
    int first = -1;
    JsonArray rest = new JsonArray();
    for (int i = 0; i < content.size(); i++) {
      JsonObject block = content.getJsonObject(i);
      if ("text".equals(block.getString("type"))) {
        text.append(block.getString("text", ""));
        if (first < 0) {
          first = rest.size();
          rest.add(block);
        }
      } else {
        rest.add(block);
      }
    }
    if (first >= 0) {
      rest.getJsonObject(first).put("text", filter.push(text.toString()) + filter.finish());
    }
    return message.put("content", rest);
  }
}
