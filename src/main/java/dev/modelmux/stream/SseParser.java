package dev.modelmux.stream;

import dev.modelmux.core.SseEvent;
import io.netty.buffer.ByteBuf;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Turns network chunks into server-sent events. A chunk is not an event: its bytes are scanned in place for '\n'
 * (WHATWG event-stream rules, CRLF tolerated) and an event is dispatched at the blank line that ends it, its data a
 * range of the chunk's own array (no copy per line or per event). Only the unfinished tail of a chunk (a partial
 * line, so also a split UTF-8 sequence or CRLF) is copied, to be completed by the next chunk. Data stays bytes: only
 * event names are decoded. An event that came as exactly {@code "data: " + data + "\n\n"} in one array says so
 * ({@link SseEvent#arrivedCanonical()}), so a relay that changes nothing copies those bytes as they came.
 */
public final class SseParser implements Handler<Buffer> {
  /**
   * No single line, and no event's data, may grow past this, so a peer that never sends a newline (or never ends an
   * event) cannot exhaust the heap.
   */
  public static final int MAX_LINE_BYTES = 8 * 1024 * 1024;

  /** A line or an event's data past {@link #MAX_LINE_BYTES}: the stream is broken off. */
  public static final class TooLong extends IllegalStateException {
    TooLong(String what) {
      super(what + " is longer than " + MAX_LINE_BYTES + " bytes");
    }
  }

  private static final byte[] DATA = "data".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] EVENT = "event".getBytes(StandardCharsets.US_ASCII);

  private final Handler<SseEvent> events;
  /** The unfinished line carried to the next chunk, from its first byte; never changed once an event points into it. */
  private byte[] carry;
  private int carryLength;
  /** Where the unfinished line starts in the input being scanned (the carry's: 0). */
  private int lineStart;
  /** Where the event being read starts in the input being scanned, or -1 when its first lines came in an earlier chunk. */
  private int eventStart;
  private int eventLines;
  private boolean canonicalData;
  private String eventName;
  /** The value of the event's one data line in the input, or -1 (then the data so far, if any, is in joined). */
  private int dataStart = -1;
  private int dataEnd;
  private ByteArrayOutputStream joined;
  private boolean broken;

  public SseParser(Handler<SseEvent> events) {
    this.events = events;
  }

  /**
   * Feeds one network chunk, whose bytes must not change afterwards (events may point into them); throws
   * {@link TooLong} when a line or an event's data exceeds {@link #MAX_LINE_BYTES}.
   */
  @Override
  public void handle(Buffer chunk) {
    if (broken) {
      throw tooLong();
    }
    int length = chunk.length();
    if (length == 0) {
      return;
    }
    if (carry == null) {
      ByteBuf bytes = ((BufferInternal) chunk).getByteBuf();
      if (bytes.hasArray()) {
        int base = bytes.arrayOffset() + bytes.readerIndex();
        scan(bytes.array(), base, base, base + length);
      } else {
        scan(chunk.getBytes(), 0, 0, length);
      }
      return;
    }
    int scanFrom = carryLength;
    if (carry.length - carryLength < length) {
      carry = Arrays.copyOf(carry, Math.max(carry.length * 2, carryLength + length));
    }
    chunk.getBytes(0, length, carry, carryLength);
    carryLength += length;
    scan(carry, 0, scanFrom, carryLength);
  }

  /**
   * Reads the complete lines in {@code in[base, end)}, where {@code in[base, from)} holds no '\n'; what is left
   * unfinished is carried.
   */
  private void scan(byte[] in, int base, int from, int end) {
    lineStart = base;
    eventStart = eventLines == 0 ? base : -1;
    for (int i = from; i < end; i++) {
      if (in[i] != '\n') {
        continue;
      }
      if (line(in, lineStart, i)) {
        dispatch(in, i);
        eventStart = i + 1;
      }
      lineStart = i + 1;
    }
    carryRest(in, end);
  }

  /** One line {@code in[start, newline)}; true when it is the blank line that ends an event. */
  private boolean line(byte[] in, int start, int newline) {
    int end = newline > start && in[newline - 1] == '\r' ? newline - 1 : newline;
    if (end == start) {
      return true;
    }
    eventLines++;
    if (in[start] == ':') {
      return false; // a comment
    }
    int colon = indexOf(in, (byte) ':', start, end);
    int fieldEnd = colon < 0 ? end : colon;
    int valueStart = colon < 0 ? end : colon + (colon + 1 < end && in[colon + 1] == ' ' ? 2 : 1);
    if (is(in, start, fieldEnd, DATA)) {
      canonicalData = eventLines == 1 && colon >= 0 && valueStart == colon + 2 && end == newline;
      data(in, valueStart, end);
    } else if (is(in, start, fieldEnd, EVENT)) {
      eventName = new String(in, valueStart, end - valueStart, StandardCharsets.UTF_8);
    } // id, retry and unknown fields do not matter to a relay
    return false;
  }

  private void data(byte[] in, int start, int end) {
    if (dataStart < 0 && joined == null) {
      dataStart = start;
      dataEnd = end;
      return;
    }
    if (joined == null) {
      keepData(in);
    }
    if (joined.size() + 1 + (end - start) > MAX_LINE_BYTES) {
      broken = true;
      joined = null;
      throw new TooLong("A stream event's data");
    }
    joined.write('\n');
    joined.write(in, start, end - start);
  }

  /** The one data line read so far goes into joined, out of the input it points into. */
  private void keepData(byte[] in) {
    joined = new ByteArrayOutputStream(dataEnd - dataStart + 64);
    joined.write(in, dataStart, dataEnd - dataStart);
    dataStart = -1;
  }

  /** The event ended by the blank line at {@code in[newline]}, if it had data. */
  private void dispatch(byte[] in, int newline) {
    String name = eventName == null ? SseEvent.DEFAULT_EVENT : eventName;
    SseEvent event = null;
    if (joined != null) {
      event = new SseEvent(name, joined.toByteArray());
    } else if (dataStart >= 0) {
      boolean canonical = eventStart >= 0 && eventLines == 1 && canonicalData && in[newline - 1] == '\n';
      event = new SseEvent(name, in, dataStart, dataEnd - dataStart, canonical);
    }
    eventName = null;
    dataStart = -1;
    joined = null;
    eventLines = 0;
    canonicalData = false;
    if (event != null) {
      events.handle(event);
    }
  }

  /** Keeps the unfinished line {@code in[lineStart, end)} for the next chunk, in an array no event points into. */
  private void carryRest(byte[] in, int end) {
    if (end - lineStart > MAX_LINE_BYTES) {
      broken = true;
      carry = null;
      throw tooLong();
    }
    if (dataStart >= 0) {
      keepData(in); // an event still open: what its lines said is kept, not the array they are in
    }
    if (lineStart == end) {
      carry = null;
      carryLength = 0;
    } else if (in != carry || lineStart > 0) {
      carry = Arrays.copyOfRange(in, lineStart, Math.max(end, lineStart + 256));
      carryLength = end - lineStart;
    } // else the carry is still one unfinished line: it grows in place
  }

  private static TooLong tooLong() {
    return new TooLong("A stream line");
  }

  private static int indexOf(byte[] in, byte b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (in[i] == b) {
        return i;
      }
    }
    return -1;
  }

  private static boolean is(byte[] in, int from, int to, byte[] field) {
    return to - from == field.length && Arrays.equals(in, from, to, field, 0, field.length);
  }
}
