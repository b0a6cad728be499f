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

  private final String event;
  private final byte[] bytes;
  private final int offset;
  private final int length;
  private final Buffer wire;
  private byte[] data;
  private String text;

  public SseEvent(String event, byte[] data) {
    this(event, data, 0, data.length, null);
  }

  public SseEvent(String event, String data) {
    this(event, data.getBytes(StandardCharsets.UTF_8));
    this.text = data;
  }

  /**
   * @param bytes holds the data at {@code offset} for {@code length} bytes; neither it nor {@code wire} may change
   * @param wire the whole event as it arrived when that is exactly {@code "data: " + data + "\n\n"}, else null
   */
  public SseEvent(String event, byte[] bytes, int offset, int length, Buffer wire) {
    this.event = event;
    this.bytes = bytes;
    this.offset = offset;
    this.length = length;
    this.wire = wire;
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
   * The event's bytes as they arrived when they are exactly what {@code "data: " + data + "\n\n"} encodes to (one data
   * line, one space, LF line ends, nothing else), so a relay that changes nothing can send them as they are; null
   * when the event had another shape (or was made here).
   */
  public Buffer wire() {
    return wire;
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
