package dev.modelmux.translate;

import dev.modelmux.core.JsonMembers;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * What a relay needs from one OpenAI chat.completion.chunk, read by a streaming scan of its bytes (no tree): whether
 * it carries content, a finish reason, tool calls, usage or an error, the text of choice 0 when asked, and where a
 * top-level {@code "usage":null} sits so it can be cut out of the original bytes. One instance per stream, reused.
 */
final class OpenAiChunkPeek {
  boolean error;
  int choices;
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

  /** Reads one chunk; throws IOException when it is not a JSON object. */
  void read(byte[] chunk, boolean wantText) throws IOException {
    error = false;
    choices = 0;
    finished = false;
    content = false;
    tools = false;
    text = null;
    usagePresent = false;
    usageObject = false;
    promptTokens = -1;
    completionTokens = -1;
    try (JsonParser p = JsonMembers.JSON.createParser(chunk)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("not a JSON object");
      }
      JsonToken token = p.nextToken();
      while (token == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        int start = (int) p.currentTokenLocation().getByteOffset();
        JsonToken value = p.nextToken();
        switch (name) {
          case "error" -> {
            error = value == JsonToken.START_OBJECT;
            p.skipChildren();
          }
          case "choices" -> choices(p, value, wantText);
          case "usage" -> {
            usagePresent = true;
            usageObject = value == JsonToken.START_OBJECT;
            if (usageObject) {
              usage(p);
            }
          }
          default -> p.skipChildren();
        }
        token = p.nextToken();
        if (name.equals("usage")) {
          usageStart = start;
          usageEnd = (int) p.currentTokenLocation().getByteOffset();
        }
      }
      if (token != JsonToken.END_OBJECT) {
        throw new IOException("not a JSON object");
      }
    }
  }

  /** The chunk without its top-level usage member (its bytes otherwise untouched). */
  byte[] withoutUsage(byte[] chunk) {
    int from = usageStart;
    int to = usageEnd;
    while (to > from && isSeparator(chunk[to - 1])) {
      to--; // to the end of the value: back over the whitespace and comma before the next token
    }
    int before = from;
    while (before > 0 && isWhitespace(chunk[before - 1])) {
      before--;
    }
    if (chunk[before - 1] == ',') {
      from = before - 1; // drop the comma that led to it
    } else {
      while (to < chunk.length && isWhitespace(chunk[to])) {
        to++;
      }
      if (to < chunk.length && chunk[to] == ',') {
        to++; // the first member: drop the comma that follows it
      }
    }
    byte[] out = new byte[chunk.length - (to - from)];
    System.arraycopy(chunk, 0, out, 0, from);
    System.arraycopy(chunk, to, out, from, chunk.length - to);
    return out;
  }

  private void choices(JsonParser p, JsonToken value, boolean wantText) throws IOException {
    if (value != JsonToken.START_ARRAY) {
      p.skipChildren();
      return;
    }
    while (p.nextToken() != JsonToken.END_ARRAY) {
      if (p.currentToken() != JsonToken.START_OBJECT) {
        p.skipChildren();
        continue;
      }
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
        case "index" -> index = value == JsonToken.VALUE_NUMBER_INT ? p.getIntValue() : 0;
        case "finish_reason" -> {
          if (value != JsonToken.VALUE_NULL) {
            finished = true;
            content = true;
          }
        }
        case "delta" -> piece = delta(p, value, wantText);
        default -> p.skipChildren();
      }
    }
    if (index == 0 && piece != null) {
      text = piece;
    }
  }

  /** Reads a delta; returns its content when text is wanted. */
  private String delta(JsonParser p, JsonToken value, boolean wantText) throws IOException {
    if (value != JsonToken.START_OBJECT) {
      p.skipChildren();
      return null;
    }
    String piece = null;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken field = p.nextToken();
      switch (name) {
        case "content" -> {
          if (field == JsonToken.VALUE_STRING && p.getTextLength() > 0) {
            content = true;
            piece = wantText ? p.getText() : null;
          }
        }
        case "tool_calls", "function_call" -> {
          if (field != JsonToken.VALUE_NULL) {
            tools = true;
            content = true;
          }
          p.skipChildren();
        }
        case "refusal" -> content |= field == JsonToken.VALUE_STRING;
        default -> p.skipChildren();
      }
    }
    return piece;
  }

  private void usage(JsonParser p) throws IOException {
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken value = p.nextToken();
      if (value == JsonToken.VALUE_NUMBER_INT && name.equals("prompt_tokens")) {
        promptTokens = p.getIntValue();
      } else if (value == JsonToken.VALUE_NUMBER_INT && name.equals("completion_tokens")) {
        completionTokens = p.getIntValue();
      } else {
        p.skipChildren();
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
