package dev.modelmux.core;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Rewrites top-level members of a JSON object in its original bytes: the members named are replaced, removed or
 * added, every other member is copied byte for byte (a streaming scan, no tree, no re-encoding). A body with a
 * duplicated key is refused, so no copy of a replaced member can slip through.
 */
public final class JsonMembers {
  public static final JsonFactory JSON = new JsonFactory();

  private JsonMembers() {}

  /**
   * @param changes member name to its new value as JSON text, or to null to remove it; names the object lacks are added
   * @throws IllegalArgumentException when {@code raw} is not one JSON object
   */
  public static Buffer patch(Buffer raw, Map<String, String> changes) {
    byte[] bytes = raw.getBytes();
    List<int[]> kept = new ArrayList<>();
    Map<String, String> pending = new LinkedHashMap<>(changes);
    List<String> replaced = new ArrayList<>();
    try (JsonParser p = JSON.createParser(bytes)) {
      p.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION); // a second "model" would pass through unpatched
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException("not a JSON object");
      }
      JsonToken token = p.nextToken();
      while (token == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        int start = (int) p.currentTokenLocation().getByteOffset();
        p.nextToken();
        p.skipChildren();
        token = p.nextToken();
        int end = memberEnd(bytes, (int) p.currentTokenLocation().getByteOffset());
        if (pending.containsKey(name)) {
          String value = pending.remove(name);
          if (value != null) {
            replaced.add(member(name, value));
          }
        } else {
          kept.add(new int[] {start, end});
        }
      }
      if (token != JsonToken.END_OBJECT) {
        throw new IllegalArgumentException("not a JSON object");
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("not valid JSON: " + e.getMessage(), e);
    }
    pending.forEach((name, value) -> {
      if (value != null) {
        replaced.add(member(name, value));
      }
    });
    Buffer out = Buffer.buffer(bytes.length + 64).appendByte((byte) '{');
    boolean first = true;
    for (String member : replaced) {
      first = comma(out, first);
      out.appendString(member);
    }
    for (int[] span : kept) {
      first = comma(out, first);
      out.appendBytes(bytes, span[0], span[1] - span[0]);
    }
    return out.appendByte((byte) '}');
  }

  /**
   * The same bytes as {@link #patch(Buffer, Map)} gives, from the spans the body's one strict read noted: no parse.
   * The body was refused if any key appeared twice, so each member named is replaced exactly once.
   */
  public static Buffer patch(Buffer raw, MemberSpans members, Map<String, String> changes) {
    Buffer out = Buffer.buffer(raw.length() + 64).appendByte((byte) '{');
    boolean first = true;
    for (int i = 0; i < members.size(); i++) {
      String name = members.name(i);
      if (changes.containsKey(name) && changes.get(name) != null) {
        first = comma(out, first);
        out.appendString(member(name, changes.get(name)));
      }
    }
    for (Map.Entry<String, String> change : changes.entrySet()) {
      if (change.getValue() != null && members.indexOf(change.getKey()) < 0) {
        first = comma(out, first);
        out.appendString(member(change.getKey(), change.getValue()));
      }
    }
    for (int i = 0; i < members.size(); i++) {
      if (!changes.containsKey(members.name(i))) {
        first = comma(out, first);
        out.appendBuffer(raw, members.start(i), members.end(i) - members.start(i));
      }
    }
    return out.appendByte((byte) '}');
  }

  /** As {@link #value(Buffer, String)}, from the spans the body's one strict read noted: no parse. */
  public static String value(Buffer raw, MemberSpans members, String name) {
    int member = members.indexOf(name);
    return member < 0 ? null : raw.getString(members.valueStart(member), members.end(member), "UTF-8");
  }

  /** A JSON string literal. */
  public static String quote(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
        return Json.encode(text);
      }
    }
    return '"' + text + '"'; // printable ASCII with nothing to escape: what the encoder writes, without running it
  }

  private static String member(String name, String value) {
    return quote(name) + ":" + value;
  }

  private static boolean comma(Buffer out, boolean first) {
    if (!first) {
      out.appendByte((byte) ',');
    }
    return false;
  }

  /** Where a member ends: before the whitespace and comma that precede the next token. */
  private static int memberEnd(byte[] bytes, int nextToken) {
    int end = nextToken;
    while (end > 0 && isWhitespace(bytes[end - 1])) {
      end--;
    }
    if (end > 0 && bytes[end - 1] == ',') {
      end--;
      while (end > 0 && isWhitespace(bytes[end - 1])) {
        end--;
      }
    }
    return end;
  }

  private static boolean isWhitespace(byte b) {
    return b == ' ' || b == '\n' || b == '\r' || b == '\t';
  }

  /** The text of a top-level member's value as it was sent, or null when the object has no such member (or is not one). */
  public static String value(Buffer raw, String name) {
    byte[] bytes = raw.getBytes();
    try (JsonParser p = JSON.createParser(bytes)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      JsonToken token = p.nextToken();
      while (token == JsonToken.FIELD_NAME) {
        boolean wanted = name.equals(p.currentName());
        p.nextToken();
        int start = (int) p.currentTokenLocation().getByteOffset();
        p.skipChildren();
        token = p.nextToken();
        if (wanted) {
          int end = memberEnd(bytes, (int) p.currentTokenLocation().getByteOffset());
          return new String(bytes, start, end - start, StandardCharsets.UTF_8);
        }
      }
    } catch (IOException e) {
      return null;
    }
    return null;
  }
}
