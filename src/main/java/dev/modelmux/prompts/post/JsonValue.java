package dev.modelmux.prompts.post;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Extracts the answer's first JSON object or array: the text before it is dropped, the value is held until it closes
 * (a value can only be judged whole), parsed, checked against the variant's JSON Schema if it has one, and sent; the
 * text after it is dropped. No value, an unfinished one, invalid JSON or a schema violation does not conform, so
 * the route can fail over before the client saw anything of the answer.
 */
final class JsonValue implements TextProcessor {
  static final int MAX_CHARS = 1 << 20;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Schema schema;
  private final StringBuilder value = new StringBuilder();
  private int depth;
  private boolean inString;
  private boolean escaped;
  private boolean done;

  JsonValue(Schema schema) {
    this.schema = schema;
  }

  @Override
  public String push(String piece) {
    for (int i = 0; i < piece.length() && !done; i++) {
      char c = piece.charAt(i);
      if (depth == 0 && value.isEmpty()) {
        if (c == '{' || c == '[') {
          value.append(c);
          depth = 1;
        }
        continue;
      }
      value.append(c);
      track(c);
      if (depth == 0) {
        done = true;
        return checked(value.toString());
      }
    }
    if (value.length() > MAX_CHARS) {
      throw new NonConformingAnswer("the JSON value is longer than " + MAX_CHARS + " characters");
    }
    return "";
  }

  private void track(char c) {
    if (inString) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        inString = false;
      }
    } else if (c == '"') {
      inString = true;
    } else if (c == '{' || c == '[') {
      depth++;
    } else if (c == '}' || c == ']') {
      depth--;
    }
  }

  private String checked(String text) {
    JsonNode node;
    try {
      node = JSON.readTree(text);
    } catch (JsonProcessingException e) {
      throw new NonConformingAnswer("the answer's JSON does not parse: " + e.getOriginalMessage());
    }
    if (schema != null) {
      List<Error> errors = schema.validate(node);
      if (!errors.isEmpty()) {
        throw new NonConformingAnswer("the answer's JSON does not match the variant's schema: "
            + errors.stream().limit(3).map(Error::getMessage).collect(Collectors.joining("; ")));
      }
    }
    return text;
  }

  @Override
  public String finish() {
    if (done) {
      return "";
    }
    throw new NonConformingAnswer(value.isEmpty() ? "no JSON value in the answer" : "the answer's JSON value is unfinished");
  }
}
