package dev.modelmux.stream;

/** One server-sent event: its name ("message" when the stream gave none) and its data lines joined by '\n'. */
public record SseEvent(String event, String data) {
  public static final String DEFAULT_EVENT = "message";
}
