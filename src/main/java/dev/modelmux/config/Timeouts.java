package dev.modelmux.config;

/**
 * Deadlines for one upstream attempt, in milliseconds. A first-token or idle deadline of {@link #LEARNED} was not
 * configured: it is worked out per attempt from the deployment's recent latency ({@code routing.LearnedDeadlines}).
 */
public record Timeouts(long connectMs, long firstTokenMs, long idleMs, long totalMs) {
  /** Not configured: learned from the deployment. */
  public static final long LEARNED = 0;
  public static final Timeouts DEFAULT = new Timeouts(5_000, LEARNED, LEARNED, 600_000);

  public boolean firstTokenLearned() {
    return firstTokenMs == LEARNED;
  }

  public boolean idleLearned() {
    return idleMs == LEARNED;
  }

  /** These timeouts with the first-token and idle deadlines given. */
  public Timeouts with(long firstToken, long idle) {
    return new Timeouts(connectMs, firstToken, idle, totalMs);
  }
}
