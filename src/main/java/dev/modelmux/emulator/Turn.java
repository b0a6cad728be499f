package dev.modelmux.emulator;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * One conversation turn as the answer generator sees it: a role and its plain text, independent of
 * the wire dialect (OpenAI string or part-array content, Anthropic content blocks, ...).
 */
public record Turn(String role, String text) {

  /** Turns of OpenAI-shaped messages: string content as is, text parts joined by '\n', other parts ignored. */
  public static List<Turn> fromOpenAi(JsonArray messages) {
    List<Turn> turns = new ArrayList<>();
    if (messages == null) {
      return turns;
    }
    for (int i = 0; i < messages.size(); i++) {
      if (messages.getValue(i) instanceof JsonObject message) {
        Object role = message.getValue("role");
        turns.add(new Turn(role instanceof String r ? r : "", textOf(message.getValue("content"))));
      }
    }
    return turns;
  }

  /** Plain text of an OpenAI {@code content} value (string, or array of {type:"text",text} parts). */
  public static String textOf(Object content) {
    if (content instanceof String text) {
      return text;
    }
    if (content instanceof JsonArray parts) {
      StringBuilder joined = new StringBuilder();
      for (int i = 0; i < parts.size(); i++) {
        if (parts.getValue(i) instanceof JsonObject part && part.getValue("text") instanceof String text) {
          if (joined.length() > 0) {
            joined.append('\n');
          }
          joined.append(text);
        }
      }
      return joined.toString();
    }
    return "";
  }
}
