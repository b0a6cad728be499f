package dev.modelmux.config;

/**
 * The upstream connection pool of one deployment, per gateway process (split evenly across its event loops).
 *
 * @param maxConnections connections open to the deployment at once: one per stream in flight
 * @param maxWaitQueue requests that may wait for a connection beyond those; more are refused at once
 * @param maxWaitMs how long a request may wait for a pooled connection, besides connecting
 */
public record PoolConfig(int maxConnections, int maxWaitQueue, long maxWaitMs) {
  public static final PoolConfig DEFAULT = new PoolConfig(10_000, 10_000, 5_000);

  /** This pool's share for one of {@code eventLoops} event loops, rounded up. */
  public int connectionsPerEventLoop(int eventLoops) {
    return (maxConnections + eventLoops - 1) / eventLoops;
  }

  public int waitQueuePerEventLoop(int eventLoops) {
    return (maxWaitQueue + eventLoops - 1) / eventLoops;
  }
}
