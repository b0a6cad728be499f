package dev.modelmux.translate;

import static dev.modelmux.translate.JsonShape.ARRAY;
import static dev.modelmux.translate.JsonShape.ARRAY_OR_NULL;
import static dev.modelmux.translate.JsonShape.COUNT;
import static dev.modelmux.translate.JsonShape.INTEGER;
import static dev.modelmux.translate.JsonShape.NUMBER_OR_NULL;
import static dev.modelmux.translate.JsonShape.OBJECT;
import static dev.modelmux.translate.JsonShape.OBJECT_OR_NULL;
import static dev.modelmux.translate.JsonShape.STRING_OR_NULL;
import static dev.modelmux.translate.JsonShape.expect;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * What a relay needs from one OpenAI chat.completion.chunk, read by a streaming scan of its bytes (no tree): whether
 * it carries content, a finish reason, tool calls, usage or an error, the text of choice 0 when asked, and where a
 * top-level {@code "usage":null} sits so it can be cut out of the original bytes. One instance per stream, reused.
 * It reads the chunk where it lies (a range of the network chunk), checks every member it knows, and keeps no more
 * than it needs: no duplicate-key sets (a chunk's keys steer nothing another client shares; the request's do, and
 * are checked where it is read), no location but the usage member's.
 */
final class OpenAiChunkPeek {
  private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] END_OF_EVENT = {'\n', '\n'};
  private static final JsonFactory CHUNKS = JsonFactory.builder().disable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();

  boolean error;
  int choices;
  /** Choices that carry a whole message (a non-streamed answer) rather than a delta. */
  int messages;
  boolean finished;
  boolean content;
  boolean tools;
  /** The text of choice 0's delta, or null (also null unless {@link #read} was asked for text). */
  String text;
  boolean usagePresent;
  boolean usageObject;
  int promptTokens;
  int completionTokens;
  private int usageStart;
  private int usageEnd;

  /** Reads one chunk; throws IOException when it is not a JSON object or a member it knows has the wrong type. */
  void read(byte[] chunk, boolean wantText) throws IOException {
    read(chunk, 0, chunk.length, wantText);
  }

  /** Reads the chunk in {@code bytes[offset, offset + length)}, as {@link #read(byte[], boolean)}. */
  void read(byte[] bytes, int offset, int length, boolean wantText) throws IOException {
    error = false;
    choices = 0;
    messages = 0;
    finished = false;
    content = false;
    tools = false;
    text = null;
    usagePresent = false;
    usageObject = false;
    promptTokens = -1;
    completionTokens = -1;
    try (JsonParser p = CHUNKS.createParser(bytes, offset, length)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("not a JSON object");
      }
      JsonToken token = p.nextToken();
      while (token == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        boolean usage = name.equals("usage");
        int start = usage ? offset + (int) p.currentTokenLocation().getByteOffset() : 0;
        JsonToken value = p.nextToken();
        switch (name) {
          case "error" -> {
            error = value == JsonToken.START_OBJECT;
            p.skipChildren();
          }
          case "choices" -> choices(p, value, wantText);
          case "usage" -> {
            usagePresent = true;
            usageObject = expect(value, name, OBJECT_OR_NULL) == JsonToken.START_OBJECT;
            if (usageObject) {
              usage(p);
            }
          }
          case "id", "object", "model", "system_fingerprint" -> expect(value, name, STRING_OR_NULL);
          case "created" -> expect(value, name, NUMBER_OR_NULL);
          default -> p.skipChildren();
        }
        token = p.nextToken();
        if (usage) {
          usageStart = start;
          usageEnd = offset + (int) p.currentTokenLocation().getByteOffset();
        }
      }
      if (token != JsonToken.END_OBJECT) {
        throw new IOException("not a JSON object");
      }
    }
  }

  /**
   * Appends the chunk last {@link #read} from {@code bytes[offset, offset + length)} as one event, without its
   * top-level usage member (its bytes otherwise untouched, copied once).
   */
  void appendWithoutUsage(Buffer out, byte[] bytes, int offset, int length) {
    int end = offset + length;
    int from = usageStart;
    int to = usageEnd;
    while (to > from && isSeparator(bytes[to - 1])) {
      to--; // to the end of the value: back over the whitespace and comma before the next token
    }
    int before = from;
    while (before > offset && isWhitespace(bytes[before - 1])) {
      before--;
    }
    if (bytes[before - 1] == ',') {
      from = before - 1; // drop the comma that led to it
    } else {
      while (to < end && isWhitespace(bytes[to])) {
        to++;
      }
      if (to < end && bytes[to] == ',') {
        to++; // the first member: drop the comma that follows it
      }
    }
    out.appendBytes(DATA).appendBytes(bytes, offset, from - offset).appendBytes(bytes, to, end - to).appendBytes(END_OF_EVENT);
  }

  private void choices(JsonParser p, JsonToken value, boolean wantText) throws IOException {
    expect(value, "choices", ARRAY);
    while (p.nextToken() != JsonToken.END_ARRAY) {
      expect(p.currentToken(), "choices[]", OBJECT);
      choices++;
      choice(p, wantText);
    }
  }

  private void choice(JsonParser p, boolean wantText) throws IOException {
    int index = 0;
    String piece = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken value = p.nextToken();
      switch (name) {
        case "index" -> index = expect(value, name, INTEGER) == JsonToken.VALUE_NUMBER_INT ? p.getIntValue() : 0;
        case "finish_reason" -> {
          if (expect(value, name, STRING_OR_NULL) != JsonToken.VALUE_NULL) {
            finished = true;
            content = true;
          }
        }
        case "delta" -> piece = delta(p, expect(value, name, OBJECT_OR_NULL), wantText);
        case "message" -> {
          messages++;
          piece = delta(p, expect(value, name, OBJECT), wantText);
        }
        default -> p.skipChildren();
      }
    }
    if (index == 0 && piece != null) {
      text = piece;
    }
  }

  /** Reads a delta (a message, in a whole answer); returns its content when text is wanted. */
  private String delta(JsonParser p, JsonToken value, boolean wantText) throws IOException {
    if (value != JsonToken.START_OBJECT) {
      return null;
    }
    String piece = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken field = p.nextToken();
      switch (name) {
        case "content" -> {
          if (expect(field, name, STRING_OR_NULL) == JsonToken.VALUE_STRING && p.getTextLength() > 0) {
            content = true;
            piece = wantText ? p.getText() : null;
          }
        }
        case "tool_calls" -> {
          if (expect(field, name, ARRAY_OR_NULL) != JsonToken.VALUE_NULL) {
            tools = true;
            content = true;
            toolCalls(p);
          }
        }
        case "function_call" -> {
          if (expect(field, name, OBJECT_OR_NULL) != JsonToken.VALUE_NULL) {
            tools = true;
            content = true;
            function(p);
          }
        }
        case "role" -> expect(field, name, STRING_OR_NULL);
        case "refusal" -> content |= expect(field, name, STRING_OR_NULL) == JsonToken.VALUE_STRING;
        default -> p.skipChildren();
      }
    }
    return piece;
  }

  private void toolCalls(JsonParser p) throws IOException {
    while (p.nextToken() != JsonToken.END_ARRAY) {
      expect(p.currentToken(), "tool_calls[]", OBJECT);
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        switch (name) {
          case "index" -> expect(value, name, INTEGER);
          case "id", "type" -> expect(value, name, STRING_OR_NULL);
          case "function" -> {
            if (expect(value, name, OBJECT_OR_NULL) == JsonToken.START_OBJECT) {
              function(p);
            }
          }
          default -> p.skipChildren();
        }
      }
    }
  }

  private void function(JsonParser p) throws IOException {
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken value = p.nextToken();
      if (name.equals("name") || name.equals("arguments")) {
        expect(value, name, STRING_OR_NULL);
      } else {
        p.skipChildren();
      }
    }
  }

  private void usage(JsonParser p) throws IOException {
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken value = p.nextToken();
      switch (name) {
        case "prompt_tokens" -> promptTokens = expect(value, name, COUNT) == JsonToken.VALUE_NUMBER_INT ? p.getIntValue() : -1;
        case "completion_tokens" -> completionTokens = expect(value, name, COUNT) == JsonToken.VALUE_NUMBER_INT ? p.getIntValue() : -1;
        case "total_tokens" -> expect(value, name, COUNT);
        default -> p.skipChildren();
      }
    }
  }

  private static boolean isSeparator(byte b) {
    return b == ',' || isWhitespace(b);
  }

  private static boolean isWhitespace(byte b) {
    return b == ' ' || b == '\n' || b == '\r' || b == '\t';
  }
}
