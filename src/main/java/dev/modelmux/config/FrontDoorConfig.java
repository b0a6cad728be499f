package dev.modelmux.config;

/**
 * How the listener defends itself against slow, idle, oversized or too many client connections and request bodies.
 *
 * @param headerTimeoutMs a new connection must deliver a request's complete headers within this
 * @param idleTimeoutMs a kept-alive connection with no request in progress is closed after this (a request's own
 *     response, a long quiet stream included, is never cut by it)
 * @param maxHeaderBytes the request headers together; beyond it a 431
 * @param maxLineBytes the request line (method, path, version); beyond it a 414
 * @param maxConnections open client connections per process; beyond it a new connection is closed at once
 * @param bodyTimeoutMs a request body must have arrived whole within this of its headers; beyond it a 408
 * @param bodyIdleMs a request body that sends no byte for this long is answered 408
 * @param maxBodyBytesInFlight request body bytes the whole process receives at once (declared lengths of bodies being
 *     read); a body that does not fit is refused at once with 503 (Anthropic's 529) before it is read
 */
public record FrontDoorConfig(long headerTimeoutMs, long idleTimeoutMs, int maxHeaderBytes, int maxLineBytes, int maxConnections,
    long bodyTimeoutMs, long bodyIdleMs, long maxBodyBytesInFlight) {
  public static final FrontDoorConfig DEFAULT = new FrontDoorConfig(10_000, 60_000, 8192, 8192, 10_000,
      30_000, 10_000, 64L * 1024 * 1024);
}
