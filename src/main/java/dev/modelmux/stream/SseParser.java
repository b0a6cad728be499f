package dev.modelmux.stream;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.parsetools.RecordParser;
import java.nio.charset.StandardCharsets;

/**
 * Turns network chunks into server-sent events. A chunk is not an event: lines are cut on '\n' by a
 * {@link RecordParser}, which keeps partial lines (and so split UTF-8 sequences) until the rest arrives;
 * an event is dispatched at the blank line that ends it (WHATWG event-stream rules, CRLF tolerated).
 */
public final class SseParser implements Handler<Buffer> {
  /** No single line may grow past this, so a peer that never sends a newline cannot exhaust the heap. */
  public static final int MAX_LINE_BYTES = 8 * 1024 * 1024;

  private final Handler<SseEvent> events;
  private final RecordParser lines;
  private String eventName;
  private StringBuilder data;

  public SseParser(Handler<SseEvent> events) {
    this.events = events;
    this.lines = RecordParser.newDelimited("\n", this::line);
    this.lines.maxRecordSize(MAX_LINE_BYTES);
  }

  /** Feeds one network chunk; throws IllegalStateException when a line exceeds {@link #MAX_LINE_BYTES}. */
  @Override
  public void handle(Buffer chunk) {
    lines.handle(chunk);
  }

  private void line(Buffer raw) {
    int length = raw.length();
    if (length > 0 && raw.getByte(length - 1) == '\r') {
      length--;
    }
    if (length == 0) {
      dispatch();
      return;
    }
    String line = raw.getString(0, length, StandardCharsets.UTF_8.name());
    if (line.charAt(0) == ':') {
      return;
    }
    int colon = line.indexOf(':');
    String field = colon < 0 ? line : line.substring(0, colon);
    String value = colon < 0 ? "" : line.substring(colon + (colon + 1 < line.length() && line.charAt(colon + 1) == ' ' ? 2 : 1));
    switch (field) {
      case "event" -> eventName = value;
      case "data" -> {
        if (data == null) {
          data = new StringBuilder(value);
        } else {
          data.append('\n').append(value);
        }
      }
      default -> { } // id, retry and unknown fields do not matter to a relay
    }
  }

  private void dispatch() {
    if (data != null) {
      SseEvent event = new SseEvent(eventName == null ? SseEvent.DEFAULT_EVENT : eventName, data.toString());
      data = null;
      eventName = null;
      events.handle(event);
    } else {
      eventName = null;
    }
  }
}
