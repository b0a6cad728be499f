package dev.modelmux.stream;

import dev.modelmux.core.SseEvent;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.parsetools.RecordParser;
import java.nio.charset.StandardCharsets;

/**
 * Turns network chunks into server-sent events. A chunk is not an event: lines are cut on '\n' by a
 * {@link RecordParser}, which keeps partial lines (and so split UTF-8 sequences) until the rest arrives;
 * an event is dispatched at the blank line that ends it (WHATWG event-stream rules, CRLF tolerated).
 * Data stays bytes: only the short field names and event names are decoded.
 */
public final class SseParser implements Handler<Buffer> {
  /** No single line may grow past this, so a peer that never sends a newline cannot exhaust the heap. */
  public static final int MAX_LINE_BYTES = 8 * 1024 * 1024;

  private final Handler<SseEvent> events;
  private final RecordParser lines;
  private String eventName;
  private byte[] data;
  private Buffer moreData;

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

  /** One line, without its '\n' (for a parser driven by a {@link RecordParser} of its own). */
  void line(Buffer raw) {
    int length = raw.length();
    if (length > 0 && raw.getByte(length - 1) == '\r') {
      length--;
    }
    if (length == 0) {
      dispatch();
      return;
    }
    if (raw.getByte(0) == ':') {
      return;
    }
    int colon = indexOf(raw, (byte) ':', length);
    int fieldEnd = colon < 0 ? length : colon;
    int valueStart = colon < 0 ? length : colon + (colon + 1 < length && raw.getByte(colon + 1) == ' ' ? 2 : 1);
    if (is(raw, fieldEnd, "data")) {
      data(raw.getBytes(valueStart, length));
    } else if (is(raw, fieldEnd, "event")) {
      eventName = raw.getString(valueStart, length, StandardCharsets.UTF_8.name());
    } // id, retry and unknown fields do not matter to a relay
  }

  private void data(byte[] line) {
    if (data == null) {
      data = line;
    } else {
      if (moreData == null) {
        moreData = Buffer.buffer(data.length + line.length + 1).appendBytes(data);
      }
      moreData.appendByte((byte) '\n').appendBytes(line);
    }
  }

  private void dispatch() {
    if (data != null) {
      SseEvent event = new SseEvent(eventName == null ? SseEvent.DEFAULT_EVENT : eventName, moreData == null ? data : moreData.getBytes());
      data = null;
      moreData = null;
      eventName = null;
      events.handle(event);
    } else {
      eventName = null;
    }
  }

  private static int indexOf(Buffer raw, byte b, int length) {
    for (int i = 0; i < length; i++) {
      if (raw.getByte(i) == b) {
        return i;
      }
    }
    return -1;
  }

  private static boolean is(Buffer raw, int length, String field) {
    if (length != field.length()) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      if (raw.getByte(i) != field.charAt(i)) {
        return false;
      }
    }
    return true;
  }
}
