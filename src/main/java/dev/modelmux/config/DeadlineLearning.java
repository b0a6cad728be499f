package dev.modelmux.config;

/**
 * How a deployment's first-token and idle deadlines follow its latency when its config gives none: {@code multiple}
 * times the recent p99, no shorter than {@code floorMs}, no longer than {@code capMs} (a first token) or
 * {@code idleCapMs} (a gap). An attempt that is not to fail over early waits the cap.
 */
public record DeadlineLearning(int multiple, long floorMs, long capMs, long idleCapMs) {
  public static final DeadlineLearning DEFAULT = new DeadlineLearning(4, 2_000, 60_000, 30_000);

  /** With the default idle cap, or the floor when that is higher. */
  public DeadlineLearning(int multiple, long floorMs, long capMs) {
    this(multiple, floorMs, capMs, Math.max(floorMs, DEFAULT.idleCapMs()));
  }

  /** {@code multiple} times the p99, floored and capped. */
  public long deadlineFor(long p99Ms) {
    return Math.max(floorMs, Math.min(capMs, multiple * p99Ms));
  }

  /** {@code multiple} times a gap's p99, floored and capped by the idle cap. */
  public long idleDeadlineFor(long p99Ms) {
    return Math.max(floorMs, Math.min(idleCapMs, multiple * p99Ms));
  }
}
