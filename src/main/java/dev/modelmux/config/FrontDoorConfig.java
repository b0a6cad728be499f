package dev.modelmux.config;

/**
 * How the listener defends itself against slow, idle, oversized or too many client connections.
 *
 * @param headerTimeoutMs a new connection must deliver a request's complete headers within this
 * @param idleTimeoutMs a kept-alive connection with no request in progress is closed after this (a request's own
 *     response, a long quiet stream included, is never cut by it)
 * @param maxHeaderBytes the request headers together; beyond it a 431
 * @param maxLineBytes the request line (method, path, version); beyond it a 414
 * @param maxConnections open client connections per process; beyond it a new connection is closed at once
 */
public record FrontDoorConfig(long headerTimeoutMs, long idleTimeoutMs, int maxHeaderBytes, int maxLineBytes, int maxConnections) {
  public static final FrontDoorConfig DEFAULT = new FrontDoorConfig(10_000, 60_000, 8192, 8192, 10_000);
}
