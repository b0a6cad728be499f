package dev.modelmux.translate;

import dev.modelmux.core.SseEvent;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Azure's content-filter annotations, which no OpenAI client expects: {@code prompt_filter_results} (a choice-less
 * first chunk, or a member of the whole answer), {@code content_filter_results} on each choice, and the asynchronous
 * filter's {@code content_filter_offsets}. They are taken out of what the client gets and kept for the interaction log
 * ({@link #annotations}): the prompt's results and each distinct non-empty result of the answer, at most
 * {@value #MAX_KEPT} of each (a stream may repeat the same verdicts on every chunk).
 */
final class AzureFilterResults {
  static final int MAX_KEPT = 32;
  private static final byte[] MARK = "filter_".getBytes(StandardCharsets.US_ASCII);
  private static final String PROMPT = "prompt_filter_results";
  private static final String CONTENT = "content_filter_results";
  private static final String OFFSETS = "content_filter_offsets";

  private final JsonArray prompt = new JsonArray();
  private final Set<String> answer = new LinkedHashSet<>();

  /** A stream event without the annotations; a chunk of annotations only is left without choices (and is held back). */
  SseEvent strip(SseEvent event) {
    byte[] data = event.dataBytes();
    if (!contains(data, MARK)) {
      return event;
    }
    JsonObject chunk;
    try {
      chunk = new JsonObject(Buffer.buffer(data));
    } catch (RuntimeException notJson) {
      return event; // the translator reports it
    }
    strip(chunk);
    JsonArray choices = chunk.getJsonArray("choices");
    if (choices != null && !choices.isEmpty() && choices.stream().allMatch(AzureFilterResults::annotationOnly)) {
      chunk.put("choices", new JsonArray());
    }
    return new SseEvent(event.event(), chunk.encode());
  }

  /** A whole answer without the annotations. */
  Buffer strip(Buffer body) {
    if (!contains(body.getBytes(), MARK)) {
      return body;
    }
    try {
      JsonObject answerBody = new JsonObject(body);
      strip(answerBody);
      return answerBody.toBuffer();
    } catch (RuntimeException notJson) {
      return body;
    }
  }

  /** What was taken out, or null when nothing was. */
  JsonObject annotations() {
    if (prompt.isEmpty() && answer.isEmpty()) {
      return null;
    }
    JsonArray content = new JsonArray();
    answer.forEach(result -> content.add(new JsonObject(result)));
    return new JsonObject().put("azure", new JsonObject().put(PROMPT, prompt).put(CONTENT, content));
  }

  private void strip(JsonObject chunk) {
    if (chunk.getValue(PROMPT) instanceof JsonArray results) {
      results.stream().limit(MAX_KEPT - prompt.size()).forEach(prompt::add);
    }
    chunk.remove(PROMPT);
    if (chunk.getValue("choices") instanceof JsonArray choices) {
      for (Object c : choices) {
        if (c instanceof JsonObject choice) {
          if (choice.getValue(CONTENT) instanceof JsonObject result && !result.isEmpty() && answer.size() < MAX_KEPT) {
            answer.add(result.encode());
          }
          choice.remove(CONTENT);
          choice.remove(OFFSETS);
        }
      }
    }
  }

  /** An asynchronous filter's annotation: a choice with neither delta nor finish reason. */
  private static boolean annotationOnly(Object choice) {
    return choice instanceof JsonObject c && !c.containsKey("delta") && c.getValue("finish_reason") == null;
  }

  private static boolean contains(byte[] data, byte[] mark) {
    outer:
    for (int i = 0; i <= data.length - mark.length; i++) {
      for (int j = 0; j < mark.length; j++) {
        if (data[i + j] != mark[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }
}
