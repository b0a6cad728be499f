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

  /**
   * Turns of an Anthropic Messages body, matching {@link #fromOpenAi} for the equivalent OpenAI
   * conversation: a "system" turn first when the top-level {@code system} is present (a string, or
   * its text blocks joined by '\n'), then each message's role and text (string content as is, or its
   * {@code text} blocks joined by '\n'; tool_use, tool_result and image blocks carry no text).
   */
  public static List<Turn> fromAnthropic(JsonObject body) {
    List<Turn> turns = new ArrayList<>();
    if (body == null) {
      return turns;
    }
    Object system = body.getValue("system");
    if (system instanceof String || system instanceof JsonArray) {
      turns.add(new Turn("system", anthropicText(system)));
    }
    if (body.getValue("messages") instanceof JsonArray messages) {
      for (int i = 0; i < messages.size(); i++) {
        if (messages.getValue(i) instanceof JsonObject message) {
          Object role = message.getValue("role");
          turns.add(new Turn(role instanceof String r ? r : "", anthropicText(message.getValue("content"))));
        }
      }
    }
    return turns;
  }

  /** Plain text of an Anthropic {@code content} or {@code system} value: a string, or its text blocks joined by '\n'. */
  public static String anthropicText(Object content) {
    if (content instanceof String text) {
      return text;
    }
    StringBuilder joined = new StringBuilder();
    if (content instanceof JsonArray blocks) {
      for (int i = 0; i < blocks.size(); i++) {
        if (blocks.getValue(i) instanceof JsonObject block && "text".equals(block.getValue("type"))
            && block.getValue("text") instanceof String text) {
          if (joined.length() > 0) { // as textOf does, so equivalent OpenAI parts give the same text
            joined.append('\n');
          }
          joined.append(text);
        }
      }
    }
    return joined.toString();
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
