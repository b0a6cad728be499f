package dev.modelmux.translate;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.EnumSet;
import java.util.Set;

/**
 * The JSON types the peeks accept for the members they know. A member of another type is the provider's protocol
 * error: the client's SDK would choke on it, so the relay must not pass it on.
 */
final class JsonShape {
  static final Set<JsonToken> OBJECT = EnumSet.of(JsonToken.START_OBJECT);
  static final Set<JsonToken> ARRAY = EnumSet.of(JsonToken.START_ARRAY);
  static final Set<JsonToken> STRING = EnumSet.of(JsonToken.VALUE_STRING);
  static final Set<JsonToken> INTEGER = EnumSet.of(JsonToken.VALUE_NUMBER_INT);
  static final Set<JsonToken> COUNT = EnumSet.of(JsonToken.VALUE_NUMBER_INT, JsonToken.VALUE_NULL);
  static final Set<JsonToken> OBJECT_OR_NULL = EnumSet.of(JsonToken.START_OBJECT, JsonToken.VALUE_NULL);
  static final Set<JsonToken> ARRAY_OR_NULL = EnumSet.of(JsonToken.START_ARRAY, JsonToken.VALUE_NULL);
  static final Set<JsonToken> STRING_OR_NULL = EnumSet.of(JsonToken.VALUE_STRING, JsonToken.VALUE_NULL);
  static final Set<JsonToken> NUMBER_OR_NULL = EnumSet.of(JsonToken.VALUE_NUMBER_INT, JsonToken.VALUE_NUMBER_FLOAT,
      JsonToken.VALUE_NULL);

  private JsonShape() {}

  /** Returns {@code actual} when allowed; throws IOException naming the member otherwise. */
  static JsonToken expect(JsonToken actual, String member, Set<JsonToken> allowed) throws IOException {
    if (!allowed.contains(actual)) {
      throw new IOException("'" + member + "' is " + actual);
    }
    return actual;
  }

  /** Skips an object's members, checking only that it is an object. */
  static void skipObject(JsonParser p, JsonToken value, String member) throws IOException {
    expect(value, member, OBJECT);
    p.skipChildren();
  }
}
