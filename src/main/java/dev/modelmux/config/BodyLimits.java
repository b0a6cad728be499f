package dev.modelmux.config;

/** The most a deployment's answers may hold when read whole: a non-streamed answer, and an error body. */
public record BodyLimits(long answerBytes, long errorBytes) {
  public static final BodyLimits DEFAULT = new BodyLimits(16L * 1024 * 1024, 64 * 1024);
}
