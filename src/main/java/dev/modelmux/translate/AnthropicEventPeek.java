package dev.modelmux.translate;

import dev.modelmux.core.JsonMembers;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * What a relay needs from one Anthropic Messages stream event, read by a streaming scan of its bytes (no tree): its
 * type, the usage it reports, the stop reason, whether a block is a tool call, and a text delta's text when asked.
 * One instance per stream, reused.
 */
final class AnthropicEventPeek {
  String type;
  int inputTokens;
  int outputTokens;
  boolean stopReason;
  boolean toolUse;
  boolean textDelta;
  /** A text_delta's text, only when {@link #read} was asked for text. */
  String text;

  /** Reads one event's data; throws IOException when it is not a JSON object. */
  void read(byte[] data, boolean wantText) throws IOException {
    type = null;
    inputTokens = -1;
    outputTokens = -1;
    stopReason = false;
    toolUse = false;
    textDelta = false;
    text = null;
    try (JsonParser p = JsonMembers.JSON.createParser(data)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("not a JSON object");
      }
      JsonToken token = p.nextToken();
      while (token == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        switch (name) {
          case "type" -> type = value == JsonToken.VALUE_STRING ? p.getText() : null;
          case "message" -> message(p, value);
          case "usage" -> usage(p, value);
          case "delta" -> delta(p, value, wantText);
          case "content_block" -> contentBlock(p, value);
          default -> p.skipChildren();
        }
        token = p.nextToken();
      }
      if (token != JsonToken.END_OBJECT) {
        throw new IOException("not a JSON object");
      }
    }
  }

  private void message(JsonParser p, JsonToken value) throws IOException {
    if (value != JsonToken.START_OBJECT) {
      p.skipChildren();
      return;
    }
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken field = p.nextToken();
      if (name.equals("usage")) {
        usage(p, field);
      } else {
        p.skipChildren();
      }
    }
  }

  private void usage(JsonParser p, JsonToken value) throws IOException {
    if (value != JsonToken.START_OBJECT) {
      p.skipChildren();
      return;
    }
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken field = p.nextToken();
      if (field == JsonToken.VALUE_NUMBER_INT && name.equals("input_tokens")) {
        inputTokens = p.getIntValue();
      } else if (field == JsonToken.VALUE_NUMBER_INT && name.equals("output_tokens")) {
        outputTokens = p.getIntValue();
      } else {
        p.skipChildren();
      }
    }
  }

  private void delta(JsonParser p, JsonToken value, boolean wantText) throws IOException {
    if (value != JsonToken.START_OBJECT) {
      p.skipChildren();
      return;
    }
    String deltaText = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken field = p.nextToken();
      switch (name) {
        case "type" -> textDelta = field == JsonToken.VALUE_STRING && "text_delta".equals(p.getText());
        case "text" -> deltaText = wantText && field == JsonToken.VALUE_STRING ? p.getText() : null;
        case "stop_reason" -> stopReason = field == JsonToken.VALUE_STRING;
        default -> p.skipChildren();
      }
    }
    text = textDelta ? deltaText : null;
  }

  private void contentBlock(JsonParser p, JsonToken value) throws IOException {
    if (value != JsonToken.START_OBJECT) {
      p.skipChildren();
      return;
    }
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken field = p.nextToken();
      if (name.equals("type") && field == JsonToken.VALUE_STRING) {
        toolUse = "tool_use".equals(p.getText());
      } else {
        p.skipChildren();
      }
    }
  }
}
