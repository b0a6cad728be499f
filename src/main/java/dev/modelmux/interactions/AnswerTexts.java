package dev.modelmux.interactions;

import dev.modelmux.core.Dialect;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/** Reads the answer's text and finish reason back out of the bytes the client was sent, in its dialect, streamed or not. */
final class AnswerTexts {
  record Text(String output, String finishReason) {}

  private AnswerTexts() {}

  static Text of(Dialect dialect, boolean stream, Buffer answer) {
    if (answer == null || answer.length() == 0) {
      return new Text("", null);
    }
    String body = answer.toString();
    try {
      if (!stream) {
        JsonObject json = new JsonObject(body);
        return dialect == Dialect.OPENAI ? openAi(json) : anthropic(json);
      }
      return dialect == Dialect.OPENAI ? openAiStream(body) : anthropicStream(body);
    } catch (RuntimeException unreadable) {
      return new Text("", null); // cut at the size bound mid-JSON, or not an answer at all
    }
  }

  private static Text openAi(JsonObject json) {
    JsonObject choice = json.getJsonArray("choices", new JsonArray()).getJsonObject(0);
    return new Text(choice.getJsonObject("message", new JsonObject()).getString("content", ""), choice.getString("finish_reason"));
  }

  private static Text anthropic(JsonObject json) {
    StringBuilder text = new StringBuilder();
    json.getJsonArray("content", new JsonArray()).forEach(block -> {
      if (block instanceof JsonObject b && "text".equals(b.getString("type"))) {
        text.append(b.getString("text", ""));
      }
    });
    return new Text(text.toString(), json.getString("stop_reason"));
  }

  private static Text openAiStream(String body) {
    StringBuilder text = new StringBuilder();
    String finish = null;
    for (JsonObject event : events(body)) {
      JsonArray choices = event.getJsonArray("choices");
      if (choices == null || choices.isEmpty()) {
        continue;
      }
      JsonObject choice = choices.getJsonObject(0);
      String piece = choice.getJsonObject("delta", new JsonObject()).getString("content");
      if (piece != null) {
        text.append(piece);
      }
      if (choice.getString("finish_reason") != null) {
        finish = choice.getString("finish_reason");
      }
    }
    return new Text(text.toString(), finish);
  }

  private static Text anthropicStream(String body) {
    StringBuilder text = new StringBuilder();
    String finish = null;
    for (JsonObject event : events(body)) {
      JsonObject delta = event.getJsonObject("delta");
      if ("content_block_delta".equals(event.getString("type")) && delta != null && delta.getString("text") != null) {
        text.append(delta.getString("text"));
      } else if ("message_delta".equals(event.getString("type")) && delta != null && delta.getString("stop_reason") != null) {
        finish = delta.getString("stop_reason");
      }
    }
    return new Text(text.toString(), finish);
  }

  private static List<JsonObject> events(String body) {
    List<JsonObject> events = new ArrayList<>();
    for (String line : body.split("\n")) {
      if (line.startsWith("data:")) {
        String data = line.substring(5).strip();
        if (data.startsWith("{")) {
          try {
            events.add(new JsonObject(data));
          } catch (RuntimeException cut) {
            // the last event, cut at the size bound
          }
        }
      }
    }
    return events;
  }
}
