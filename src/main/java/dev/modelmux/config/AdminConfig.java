package dev.modelmux.config;

import java.util.List;

/**
 * Where the operator's endpoints ({@code /admin/*}, {@code /review}, {@code /_emulator/*}, and {@code /metrics} unless
 * it is public) are served, and which Host names a browser may reach them by.
 *
 * @param port the admin listener's port, or null for none: the endpoints then stay on the main listener
 * @param host the admin listener's address (loopback by default)
 * @param publicMetrics whether {@code /metrics} is also served to anyone on the main listener
 * @param allowedHosts the Host header names (any port) a request trusted by its session cookie or by coming from
 *     loopback may carry; any other name is refused, so a page under a rebinding attacker's name cannot use them
 */
public record AdminConfig(Integer port, String host, boolean publicMetrics, List<String> allowedHosts) {
  /** localhost, 127.0.0.1 and [::1]: the names of a port-forward or of a browser on the gateway's own host. */
  public static final List<String> LOOPBACK_HOSTS = List.of("localhost", "127.0.0.1", "[::1]");

  public AdminConfig {
    allowedHosts = List.copyOf(allowedHosts);
  }

  public AdminConfig(Integer port, String host, boolean publicMetrics) {
    this(port, host, publicMetrics, LOOPBACK_HOSTS);
  }

  public boolean ownListener() {
    return port != null;
  }
}
