package dev.modelmux.api;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.StreamReadFeature;
import dev.modelmux.core.GatewayError;
import dev.modelmux.core.GatewayException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.jackson.JacksonCodec;
import java.io.ByteArrayInputStream;
import java.io.CharConversionException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * A client's JSON body read strictly, in one pass: bytes that are not well-formed UTF-8 (overlong forms such as
 * {@code C0 AF}, encoded surrogates, truncated sequences) and a key that appears twice in one object, at any depth, are
 * refused with a 400 naming where. A duplicate would let the gateway route by one value while a provider reads the
 * other from the same bytes.
 */
public final class StrictJson {
  private static final JsonFactory FACTORY = JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
  private static final String DUPLICATE = "Duplicate field";

  private StrictJson() {}

  /**
   * @param notJson the dialect's 400 for a body that is not one JSON object
   * @throws GatewayException a 400 in the dialect's words
   */
  public static JsonObject object(Buffer raw, Wording wording, GatewayException notJson) {
    JsonParser parser = null;
    try {
      parser = FACTORY.createParser(new InputStreamReader(new ByteArrayInputStream(raw.getBytes()),
          StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT)));
      if (JacksonCodec.fromParser(parser, Object.class) instanceof JsonObject object) {
        return object;
      }
      throw notJson;
    } catch (DecodeException e) {
      if (e.getCause() instanceof JsonParseException parse && parse.getOriginalMessage().startsWith(DUPLICATE)) {
        JsonStreamContext where = parser.getParsingContext();
        throw wording.invalid(path(where, wording), "duplicate key '" + Shown.value(where.getCurrentName())
            + "': each key may appear only once in an object.");
      }
      if (e.getCause() instanceof CharacterCodingException || e.getCause() instanceof CharConversionException) {
        throw new GatewayException(GatewayError.invalid(
            "The request body is not valid UTF-8: it has an overlong, surrogate or truncated byte sequence.", null, "invalid_encoding"));
      }
      throw notJson;
    } catch (IOException e) {
      throw notJson;
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
