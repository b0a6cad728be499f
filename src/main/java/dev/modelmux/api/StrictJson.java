package dev.modelmux.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.JsonTokenId;
import dev.modelmux.core.GatewayError;
import dev.modelmux.core.GatewayException;
import dev.modelmux.core.MemberSpans;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * A client's JSON body read strictly, in one pass over its bytes: bytes that are not well-formed UTF-8 (overlong forms
 * such as {@code C0 AF}, encoded surrogates, truncated sequences) and a key that appears twice in one object, at any
 * depth, are refused with a 400 naming where. A duplicate would let the gateway route by one value while a provider
 * reads the other from the same bytes. The same pass notes where each top-level member sits ({@link MemberSpans}), so
 * a translator patches the body without parsing it again.
 *
 * <p>Jackson reads the bytes as UTF-8 itself but lets overlong forms and encoded surrogates through, so a body with a
 * byte of 0x80 or above is checked first; and it would take a byte order mark or a NUL in the first four bytes as a
 * sign of another encoding, which this gateway never accepted: those bodies are not JSON, as before.
 */
public final class StrictJson {
  /** The default limits (nesting depth, string and number sizes) of the factory the body was read with before. */
  private static final JsonFactory FACTORY = JsonFactory.builder().build();

  /** A body read: the object, and where its top-level members sit in the bytes. */
  public record Read(JsonObject object, MemberSpans members) {}

  private StrictJson() {}

  /**
   * @param notJson the dialect's 400 for a body that is not one JSON object (made only then: an exception's stack costs)
   * @throws GatewayException a 400 in the dialect's words
   */
  public static Read object(Buffer raw, Wording wording, Supplier<GatewayException> notJson) {
    ByteBuf bytes = ((BufferInternal) raw).getByteBuf();
    byte[] array;
    int offset;
    int length = bytes.readableBytes();
    if (bytes.hasArray()) {
      array = bytes.array();
      offset = bytes.arrayOffset() + bytes.readerIndex();
    } else {
      array = raw.getBytes();
      offset = 0;
    }
    if (!ByteBufUtil.isText(bytes, StandardCharsets.UTF_8)) {
      throw new GatewayException(GatewayError.invalid(
          "The request body is not valid UTF-8: it has an overlong, surrogate or truncated byte sequence.", null, "invalid_encoding"));
    }
    if (looksLikeAnotherEncoding(array, offset, length)) {
      throw notJson.get();
    }
    MemberSpans members = new MemberSpans();
    JsonParser parser = null;
    try {
      parser = FACTORY.createParser(array, offset, length);
      JsonToken first = parser.nextToken();
      Object value = first == JsonToken.START_OBJECT ? topLevel(parser, array, offset, members) : value(parser);
      if (parser.nextToken() != null || !(value instanceof JsonObject object)) {
        throw notJson.get();
      }
      return new Read(object, members);
    } catch (Duplicate e) {
      JsonStreamContext where = parser.getParsingContext();
      throw wording.invalid(path(where, wording), "duplicate key '" + Shown.value(where.getCurrentName())
          + "': each key may appear only once in an object.");
    } catch (IOException e) {
      throw notJson.get();
    } finally {
      if (parser != null) {
        try {
          parser.close();
        } catch (IOException ignored) {
          // a parser over an array holds nothing to release
        }
      }
    }
  }

  /** A UTF-8 byte order mark, or a NUL among the first four bytes: what Jackson would read as UTF-16 or UTF-32. */
  private static boolean looksLikeAnotherEncoding(byte[] array, int offset, int length) {
    if (length >= 3 && array[offset] == (byte) 0xEF && array[offset + 1] == (byte) 0xBB && array[offset + 2] == (byte) 0xBF) {
      return true;
    }
    for (int i = offset; i < offset + Math.min(length, 4); i++) {
      if (array[i] == 0) {
        return true;
      }
    }
    return false;
  }

  /** The top-level object, its members' spans noted (the parser counts byte offsets from {@code offset}, as the spans do). */
  private static JsonObject topLevel(JsonParser parser, byte[] array, int offset, MemberSpans members) throws IOException {
    Map<String, Object> map = new LinkedHashMap<>();
    String name = null;
    int start = 0;
    int valueStart = 0;
    JsonToken token = parser.nextToken();
    while (true) {
      int at = (int) parser.currentTokenLocation().getByteOffset();
      if (name != null) {
        members.add(name, start, valueStart, valueEnd(array, at + offset) - offset);
      }
      if (token != JsonToken.FIELD_NAME) {
        return new JsonObject(map); // END_OBJECT: anything else has thrown
      }
      name = parser.currentName();
      if (map.containsKey(name)) {
        throw new Duplicate();
      }
      start = at;
      parser.nextToken();
      valueStart = (int) parser.currentTokenLocation().getByteOffset();
      map.put(name, value(parser));
      token = parser.nextToken();
    }
  }

  /** Where a member's value ends: before the whitespace and comma that precede the next token at {@code next}. */
  private static int valueEnd(byte[] array, int next) {
    int end = next;
    while (isWhitespace(array[end - 1])) {
      end--;
    }
    if (array[end - 1] == ',') {
      end--;
      while (isWhitespace(array[end - 1])) {
        end--;
      }
    }
    return end;
  }

  private static boolean isWhitespace(byte b) {
    return b == ' ' || b == '\n' || b == '\r' || b == '\t';
  }

  /** A value as Vert.x's own decoder builds it: maps, lists, strings, numbers, booleans and null. */
  private static Object value(JsonParser parser) throws IOException {
    switch (parser.currentTokenId()) {
      case JsonTokenId.ID_START_OBJECT:
        return object(parser);
      case JsonTokenId.ID_START_ARRAY:
        return array(parser);
      case JsonTokenId.ID_STRING:
        return parser.getText();
      case JsonTokenId.ID_NUMBER_FLOAT:
      case JsonTokenId.ID_NUMBER_INT:
        return parser.getNumberValue();
      case JsonTokenId.ID_TRUE:
        return Boolean.TRUE;
      case JsonTokenId.ID_FALSE:
        return Boolean.FALSE;
      case JsonTokenId.ID_NULL:
        return null;
      default:
        throw new IOException("not a JSON value");
    }
  }

  private static Map<String, Object> object(JsonParser parser) throws IOException {
    Map<String, Object> map = new LinkedHashMap<>();
    for (String name = parser.nextFieldName(); name != null; name = parser.nextFieldName()) {
      if (map.containsKey(name)) {
        throw new Duplicate();
      }
      parser.nextToken();
      map.put(name, value(parser));
    }
    return map;
  }

  private static List<Object> array(JsonParser parser) throws IOException {
    List<Object> list = new ArrayList<>();
    while (parser.nextToken() != JsonToken.END_ARRAY) {
      list.add(value(parser));
    }
    return list;
  }

  /** A key seen twice in one object; the parser's context then names it and where it is. */
  private static final class Duplicate extends RuntimeException {
    Duplicate() {
      super(null, null, false, false);
    }
  }

  /** The dotted (or bracketed) path of the duplicated member, in the dialect's words. */
  private static String path(JsonStreamContext context, Wording wording) {
    Deque<JsonStreamContext> chain = new ArrayDeque<>();
    for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
      chain.push(c);
    }
    String path = "";
    for (JsonStreamContext c : chain) {
      path = c.inArray() ? wording.element(path, c.getCurrentIndex()) : wording.member(path, Shown.value(c.getCurrentName()));
    }
    return path;
  }
}
