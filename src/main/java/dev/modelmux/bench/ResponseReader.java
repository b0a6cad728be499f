package dev.modelmux.bench;

import dev.modelmux.bench.Scenario.Mode;
import dev.modelmux.core.SseEvent;
import dev.modelmux.stream.SseParser;
import io.vertx.core.AsyncResult;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Reads one response to its end and reports exactly one {@link Outcome}: a plain body, or SSE events of
 * either dialect until {@code [DONE]} / {@code message_stop}. Times are taken from {@code startNanos}.
 */
final class ResponseReader implements Handler<AsyncResult<HttpClientResponse>> {
  static final String STREAM_CUT = "stream ended without [DONE] or message_stop";
  private static final Handler<Buffer> DISCARD = b -> { };

  /** What became of one request; exactly one of succeeded, non200 and failed is called, once. */
  interface Outcome {
    /** A 200 response head arrived (before any outcome). */
    default void opened() {
    }

    /** @param latencyNanos full response (plain) or time to first content token (stream) */
    void succeeded(long latencyNanos, long totalNanos);

    void non200(int status);

    void failed(String kind);
  }

  private final Mode mode;
  private final long startNanos;
  private final Outcome outcome;
  private boolean done;
  private long ttft = -1;

  ResponseReader(Mode mode, long startNanos, Outcome outcome) {
    this.mode = mode;
    this.startNanos = startNanos;
    this.outcome = outcome;
  }

  @Override
  public void handle(AsyncResult<HttpClientResponse> ar) {
    if (ar.failed()) {
      fail(kind(ar.cause()));
      return;
    }
    HttpClientResponse resp = ar.result();
    resp.exceptionHandler(e -> fail(kind(e)));
    int status = resp.statusCode();
    if (status != 200) {
      resp.handler(DISCARD);
      resp.endHandler(v -> non200(status));
      return;
    }
    outcome.opened();
    if (mode == Mode.PLAIN) {
      resp.handler(DISCARD);
      resp.endHandler(v -> succeed(System.nanoTime() - startNanos, 0));
    } else {
      SseParser parser = new SseParser(this::event);
      resp.handler(chunk -> {
        try {
          parser.handle(chunk);
        } catch (RuntimeException e) {
          fail("malformed stream: " + e.getClass().getSimpleName());
          resp.request().reset();
        }
      });
      resp.endHandler(v -> fail(STREAM_CUT));
    }
  }

  /**
   * One SSE event of either dialect. OpenAI: content in {@code choices[0].delta.content}, end at
   * {@code data: [DONE]}. Anthropic: content in a {@code content_block_delta}'s {@code delta.text}, end at
   * {@code message_stop}. Errors: an {@code error} event, or an {@code "error"} member in the data.
   */
  private void event(SseEvent e) {
    if (done) {
      return;
    }
    String data = e.data();
    String name = e.event();
    if ("[DONE]".equals(data) || "message_stop".equals(name)) {
      if (ttft < 0) {
        fail("no content event before the end of the stream");
      } else {
        succeed(ttft, System.nanoTime() - startNanos);
      }
      return;
    }
    if ("error".equals(name)) {
      fail("in-band error event");
      return;
    }
    boolean anthropicDelta = "content_block_delta".equals(name);
    boolean maybeContent = ttft < 0 && (anthropicDelta ? data.contains("\"text\"") : data.contains("\"content\""));
    boolean maybeError = data.contains("\"error\"");
    if (!maybeContent && !maybeError) {
      return;
    }
    long now = System.nanoTime();
    JsonObject json;
    try {
      json = new JsonObject(data);
    } catch (RuntimeException ex) {
      fail("event is not JSON");
      return;
    }
    if (json.containsKey("error")) {
      fail("in-band error event");
      return;
    }
    if (maybeContent && (anthropicDelta ? hasAnthropicText(json) : hasContent(json))) {
      ttft = now - startNanos;
    }
  }

  private void succeed(long latencyNanos, long totalNanos) {
    if (!done) {
      done = true;
      outcome.succeeded(latencyNanos, totalNanos);
    }
  }

  private void non200(int status) {
    if (!done) {
      done = true;
      outcome.non200(status);
    }
  }

  private void fail(String kind) {
    if (!done) {
      done = true;
      outcome.failed(kind);
    }
  }

  /** True when {@code choices[0].delta.content} is a non-empty string. */
  static boolean hasContent(JsonObject chunk) {
    Object choices = chunk.getValue("choices");
    if (!(choices instanceof JsonArray arr) || arr.isEmpty() || !(arr.getValue(0) instanceof JsonObject c0)) {
      return false;
    }
    Object delta = c0.getValue("delta");
    return delta instanceof JsonObject d && d.getValue("content") instanceof String s && !s.isEmpty();
  }

  /** True when an Anthropic {@code content_block_delta}'s {@code delta.text} is a non-empty string. */
  static boolean hasAnthropicText(JsonObject event) {
    return event.getValue("delta") instanceof JsonObject d && d.getValue("text") instanceof String s && !s.isEmpty();
  }

  private static String kind(Throwable t) {
    String msg = t.getMessage();
    String name = t.getClass().getSimpleName();
    if (msg == null || msg.isBlank()) {
      return name;
    }
    return name + ": " + (msg.length() > 80 ? msg.substring(0, 80) + "..." : msg);
  }
}
