package dev.modelmux.config;

/**
 * @param clientStallMs how long a client's write queue may stay full before its stream is ended
 * @param sendBufferBytes the kernel send buffer of each client connection; 0 leaves it to the kernel's tuning
 * @param drainDelayMs how long a drain keeps accepting new connections (for load balancers to notice the 503 readiness)
 * @param drainMs how long after the drain starts open requests and streams may run before they are cut off
 * @param admin where /admin/* and /metrics are served
 * @param maxInFlight requests and streams the process serves at once; more are refused at once with 503 (529)
 */
public record ServerConfig(String host, int port, long maxBodyBytes, int instances, long clientStallMs, int sendBufferBytes,
    FrontDoorConfig frontDoor, long drainDelayMs, long drainMs, int maxInFlight, AdminConfig admin) {
  /** This server on a free loopback port, its operator's endpoints on the same listener: for a gateway run in-process. */
  public ServerConfig privateLoopback() {
    return new ServerConfig("127.0.0.1", 0, maxBodyBytes, instances, clientStallMs, sendBufferBytes, frontDoor, drainDelayMs, drainMs,
        maxInFlight, new AdminConfig(null, admin.host(), false, admin.allowedHosts()));
  }

  public ServerConfig withPort(int newPort) {
    return new ServerConfig(host, newPort, maxBodyBytes, instances, clientStallMs, sendBufferBytes, frontDoor, drainDelayMs, drainMs,
        maxInFlight, admin);
  }
}
