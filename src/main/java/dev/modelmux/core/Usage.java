package dev.modelmux.core;

/** Tokens one answer consumed, as the provider reported them (-1 when it reported nothing). */
public record Usage(int promptTokens, int completionTokens) {
  public static final Usage UNKNOWN = new Usage(-1, -1);
}
