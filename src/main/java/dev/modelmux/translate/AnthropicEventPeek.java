package dev.modelmux.translate;

import static dev.modelmux.translate.JsonShape.ARRAY;
import static dev.modelmux.translate.JsonShape.COUNT;
import static dev.modelmux.translate.JsonShape.INTEGER;
import static dev.modelmux.translate.JsonShape.OBJECT;
import static dev.modelmux.translate.JsonShape.STRING;
import static dev.modelmux.translate.JsonShape.STRING_OR_NULL;
import static dev.modelmux.translate.JsonShape.expect;
import static dev.modelmux.translate.JsonShape.skipObject;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.modelmux.core.JsonMembers;
import java.io.IOException;

/**
 * What a relay needs from one Anthropic Messages stream event (or a whole message), read by a streaming scan of its
 * bytes (no tree): its type, the usage it reports, the stop reason, whether a block is a tool call, and a text
 * delta's text when asked. The members it knows must have the types Anthropic documents. One instance per stream.
 */
final class AnthropicEventPeek {
  String type;
  int inputTokens;
  int outputTokens;
  boolean stopReason;
  boolean toolUse;
  boolean textDelta;
  /** Whether a whole message's content was an array of blocks. */
  boolean contentBlocks;
  /** A text_delta's text, only when {@link #read} was asked for text. */
  String text;

  /** Reads one event's data; throws IOException when it is not a JSON object or a member it knows has the wrong type. */
  void read(byte[] data, boolean wantText) throws IOException {
    type = null;
    inputTokens = -1;
    outputTokens = -1;
    stopReason = false;
    toolUse = false;
    textDelta = false;
    contentBlocks = false;
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
          case "type" -> type = expect(value, name, STRING) == JsonToken.VALUE_STRING ? p.getText() : null;
          case "message" -> message(p, expect(value, name, OBJECT));
          case "usage" -> usage(p, value);
          case "delta" -> delta(p, expect(value, name, OBJECT), wantText);
          case "content_block" -> contentBlock(p, expect(value, name, OBJECT));
          case "content" -> content(p, value);
          case "index" -> expect(value, name, INTEGER);
          case "stop_reason" -> stopReason = expect(value, name, STRING_OR_NULL) == JsonToken.VALUE_STRING;
          case "id", "model", "role", "stop_sequence" -> expect(value, name, STRING_OR_NULL);
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
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken field = p.nextToken();
      switch (name) {
        case "usage" -> usage(p, field);
        case "content" -> content(p, field);
        case "id", "type", "model", "role" -> expect(field, "message." + name, STRING);
        case "stop_reason", "stop_sequence" -> expect(field, "message." + name, STRING_OR_NULL);
        default -> p.skipChildren();
      }
    }
  }

  private void content(JsonParser p, JsonToken value) throws IOException {
    expect(value, "content", ARRAY);
    contentBlocks = true;
    while (p.nextToken() != JsonToken.END_ARRAY) {
      contentBlock(p, expect(p.currentToken(), "content[]", OBJECT));
    }
  }

  private void usage(JsonParser p, JsonToken value) throws IOException {
    expect(value, "usage", OBJECT);
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken field = p.nextToken();
      switch (name) {
        case "input_tokens" -> inputTokens = expect(field, name, COUNT) == JsonToken.VALUE_NUMBER_INT ? p.getIntValue() : -1;
        case "output_tokens" -> outputTokens = expect(field, name, COUNT) == JsonToken.VALUE_NUMBER_INT ? p.getIntValue() : -1;
        default -> p.skipChildren();
      }
    }
  }

  private void delta(JsonParser p, JsonToken value, boolean wantText) throws IOException {
    String deltaText = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken field = p.nextToken();
      switch (name) {
        case "type" -> textDelta = expect(field, "delta.type", STRING) == JsonToken.VALUE_STRING && "text_delta".equals(p.getText());
        case "text" -> deltaText = expect(field, "delta.text", STRING) == JsonToken.VALUE_STRING && wantText ? p.getText() : null;
        case "partial_json" -> expect(field, "delta.partial_json", STRING);
        case "stop_reason" -> stopReason = expect(field, "delta.stop_reason", STRING_OR_NULL) == JsonToken.VALUE_STRING;
        case "stop_sequence" -> expect(field, "delta.stop_sequence", STRING_OR_NULL);
        default -> p.skipChildren();
      }
    }
    text = textDelta ? deltaText : null;
  }

  private void contentBlock(JsonParser p, JsonToken value) throws IOException {
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken field = p.nextToken();
      switch (name) {
        case "type" -> toolUse |= expect(field, "content_block.type", STRING) == JsonToken.VALUE_STRING
            && "tool_use".equals(p.getText());
        case "text", "id", "name" -> expect(field, "content_block." + name, STRING);
        case "input" -> skipObject(p, field, "content_block.input");
        default -> p.skipChildren();
      }
    }
  }
}
