package dev.modelmux.core;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One server-sent event: its name ("message" when the stream gave none) and its data lines joined by '\n', kept as
 * the bytes that arrived (a relay forwards them as they are) and decoded to text only when asked.
 */
public final class SseEvent {
  public static final String DEFAULT_EVENT = "message";

  private final String event;
  private final byte[] data;
  private String text;

  public SseEvent(String event, byte[] data) {
    this.event = event;
    this.data = data;
  }

  public SseEvent(String event, String data) {
    this(event, data.getBytes(StandardCharsets.UTF_8));
    this.text = data;
  }

  public String event() {
    return event;
  }

  /** The data as UTF-8 text. */
  public String data() {
    if (text == null) {
      text = new String(data, StandardCharsets.UTF_8);
    }
    return text;
  }

  /** The data's bytes as received; callers must not change them. */
  public byte[] dataBytes() {
    return data;
  }

  /** Whether the data is exactly {@code literal} (such as "[DONE]"), without decoding it. */
  public boolean dataIs(String literal) {
    if (data.length != literal.length()) {
      return false;
    }
    for (int i = 0; i < data.length; i++) {
      if (data[i] != literal.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof SseEvent e && e.event.equals(event) && Arrays.equals(e.data, data);
  }

  @Override
  public int hashCode() {
    return 31 * event.hashCode() + Arrays.hashCode(data);
  }

  @Override
  public String toString() {
    return "SseEvent[event=" + event + ", data=" + data() + "]";
  }
}
