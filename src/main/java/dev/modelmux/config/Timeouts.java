package dev.modelmux.config;

/** Deadlines for one upstream attempt, in milliseconds. */
public record Timeouts(long connectMs, long firstTokenMs, long idleMs, long totalMs) {
  public static final Timeouts DEFAULT = new Timeouts(5_000, 60_000, 30_000, 600_000);
}
