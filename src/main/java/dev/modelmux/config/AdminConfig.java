package dev.modelmux.config;

/**
 * Where the operator's endpoints ({@code /admin/*}, and {@code /metrics} unless it is public) are served.
 *
 * @param port the admin listener's port, or null for none: the endpoints then stay on the main listener and answer
 *     loopback clients only
 * @param host the admin listener's address (loopback by default)
 * @param publicMetrics whether {@code /metrics} is also served to anyone on the main listener
 */
public record AdminConfig(Integer port, String host, boolean publicMetrics) {
  public boolean ownListener() {
    return port != null;
  }
}
