package dev.modelmux.core;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One server-sent event: its name ("message" when the stream gave none) and its data lines joined by '\n', kept as
 * the bytes that arrived (a relay forwards them as they are) and decoded to text only when asked. The data may be a
 * range of a larger array (the network chunk it arrived in), read through {@link #dataArray()} without a copy.
 */
public final class SseEvent {
  public static final String DEFAULT_EVENT = "message";

  private static final byte[] DATA_PREFIX = "data: ".getBytes(StandardCharsets.US_ASCII);

  private final String event;
  private final byte[] bytes;
  private final int offset;
  private final int length;
  private final boolean canonical;
  private byte[] data;
  private String text;

  public SseEvent(String event, byte[] data) {
    this(event, data, 0, data.length, false);
  }

  public SseEvent(String event, String data) {
    this(event, data.getBytes(StandardCharsets.UTF_8));
    this.text = data;
  }

  /**
   * @param bytes holds the data at {@code offset} for {@code length} bytes, and must not change
   * @param canonical the event arrived as exactly {@code "data: " + data + "\n\n"}, and those bytes surround the data
   *     in {@code bytes}
   */
  public SseEvent(String event, byte[] bytes, int offset, int length, boolean canonical) {
    this.event = event;
    this.bytes = bytes;
    this.offset = offset;
    this.length = length;
    this.canonical = canonical;
  }

  public String event() {
    return event;
  }

  /** The data as UTF-8 text. */
  public String data() {
    if (text == null) {
      text = new String(bytes, offset, length, StandardCharsets.UTF_8);
    }
    return text;
  }

  /** The data's bytes as received (a copy once, when they are a range of a larger array); callers must not change them. */
  public byte[] dataBytes() {
    if (data == null) {
      data = offset == 0 && length == bytes.length ? bytes : Arrays.copyOfRange(bytes, offset, offset + length);
    }
    return data;
  }

  /** The array the data is in, from {@link #dataOffset()} for {@link #dataLength()} bytes; callers must not change it. */
  public byte[] dataArray() {
    return bytes;
  }

  public int dataOffset() {
    return offset;
  }

  public int dataLength() {
    return length;
  }

  /**
   * Appends the event as {@code "data: " + data + "\n\n"}: in one copy of the bytes as they arrived when the event
   * had exactly that shape (one data line, one space, LF line ends, nothing else), else encoded around the data.
   */
  public void appendTo(Buffer out) {
    if (canonical) {
      out.appendBytes(bytes, offset - DATA_PREFIX.length, length + DATA_PREFIX.length + 2);
    } else {
      out.appendBytes(DATA_PREFIX).appendBytes(bytes, offset, length).appendByte((byte) '\n').appendByte((byte) '\n');
    }
  }

  /** Whether the event arrived as exactly {@code "data: " + data + "\n\n"} (what {@link #appendTo} copies as it is). */
  public boolean arrivedCanonical() {
    return canonical;
  }

  /** Whether the data is exactly {@code literal} (such as "[DONE]"), without decoding it. */
  public boolean dataIs(String literal) {
    if (length != literal.length()) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      if (bytes[offset + i] != literal.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof SseEvent e && e.event.equals(event)
        && Arrays.equals(e.bytes, e.offset, e.offset + e.length, bytes, offset, offset + length);
  }

  @Override
  public int hashCode() {
    int h = 1;
    for (int i = offset; i < offset + length; i++) {
      h = 31 * h + bytes[i];
    }
    return 31 * event.hashCode() + h;
  }

  @Override
  public String toString() {
    return "SseEvent[event=" + event + ", data=" + data() + "]";
  }
}
