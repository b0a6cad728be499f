package dev.modelmux.config;

/**
 * How a deployment's first-token and idle deadlines follow its latency when its config gives none: {@code multiple}
 * times the recent p99, no shorter than {@code floorMs}, no longer than {@code capMs}.
 */
public record DeadlineLearning(int multiple, long floorMs, long capMs) {
  public static final DeadlineLearning DEFAULT = new DeadlineLearning(4, 2_000, 60_000);

  /** {@code multiple} times the p99, floored and capped. */
  public long deadlineFor(long p99Ms) {
    return Math.max(floorMs, Math.min(capMs, multiple * p99Ms));
  }
}
