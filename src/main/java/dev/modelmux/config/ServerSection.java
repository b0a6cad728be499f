package dev.modelmux.config;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/** Reads the {@code server} section: the client listener, its front door, draining, and the admin listener. */
final class ServerSection {
  private ServerSection() {}

  static ServerConfig read(ConfigNode node, Function<String, String> environment) {
    node.allowOnly(Set.of("host", "port", "max_body_bytes", "instances", "client_stall_ms", "send_buffer_bytes",
        "header_timeout_ms", "idle_timeout_ms", "max_header_bytes", "max_line_bytes", "max_connections", "body_timeout_ms",
        "body_idle_ms", "max_body_bytes_in_flight", "drain_delay_ms", "drain_ms", "max_in_flight", "admin_port", "admin_host",
        "admin_host_env", "admin_allowed_hosts", "public_metrics"));
    int cores = Runtime.getRuntime().availableProcessors();
    if (node.has("admin_port") && node.number("admin_port", 0, 0, 65535) != 0
        && node.number("admin_port", 0, 0, 65535) == node.number("port", 8080, 0, 65535)) {
      throw new ConfigException(node.field("admin_port"), "must differ from server.port");
    }
    return new ServerConfig(
        node.string("host", "0.0.0.0"),
        (int) node.number("port", 8080, 0, 65535),
        node.number("max_body_bytes", 8L * 1024 * 1024, 1024, 1L << 31),
        (int) node.number("instances", cores, 1, 256),
        node.number("client_stall_ms", 30_000, 100, 3_600_000),
        (int) node.number("send_buffer_bytes", 0, 0, 64L * 1024 * 1024),
        frontDoor(node),
        node.number("drain_delay_ms", 5_000, 0, 600_000),
        node.number("drain_ms", 30_000, 0, 3_600_000),
        (int) node.number("max_in_flight", 10_000, 1, 10_000_000),
        admin(node, environment));
  }

  /** The admin listener: its port, its address (or the variable that holds it: a pod's IP), its allowed Host names. */
  private static AdminConfig admin(ConfigNode node, Function<String, String> environment) {
    String host = node.string("admin_host", "127.0.0.1");
    if (node.has("admin_host_env")) {
      if (node.has("admin_host")) {
        throw new ConfigException(node.field("admin_host_env"), "give admin_host or admin_host_env, not both");
      }
      host = environment.apply(node.string("admin_host_env"));
      if (host == null || host.isBlank()) {
        throw new ConfigException(node.field("admin_host_env"), "environment variable " + node.string("admin_host_env") + " is not set");
      }
    }
    List<String> allowedHosts = AdminConfig.LOOPBACK_HOSTS;
    if (node.has("admin_allowed_hosts")) {
      allowedHosts = node.stringList("admin_allowed_hosts").stream().map(h -> h.toLowerCase(Locale.ROOT)).toList();
      for (int i = 0; i < allowedHosts.size(); i++) {
        if (!allowedHosts.get(i).matches("[a-z0-9.-]+|\\[[0-9a-f:.]+]")) {
          throw new ConfigException(node.field("admin_allowed_hosts") + "[" + i + "]", "a host name or address without a port "
              + "(every port is allowed), e.g. localhost or [::1]");
        }
      }
    }
    return new AdminConfig(node.has("admin_port") ? (int) node.number("admin_port", 0, 0, 65535) : null, host,
        node.bool("public_metrics", false), allowedHosts);
  }

  private static FrontDoorConfig frontDoor(ConfigNode node) {
    FrontDoorConfig d = FrontDoorConfig.DEFAULT;
    return new FrontDoorConfig(
        node.number("header_timeout_ms", d.headerTimeoutMs(), 50, 600_000),
        node.number("idle_timeout_ms", d.idleTimeoutMs(), 50, 3_600_000),
        (int) node.number("max_header_bytes", d.maxHeaderBytes(), 1024, 1 << 20),
        (int) node.number("max_line_bytes", d.maxLineBytes(), 256, 1 << 20),
        (int) node.number("max_connections", d.maxConnections(), 1, 1_000_000),
        node.number("body_timeout_ms", d.bodyTimeoutMs(), 50, 3_600_000),
        node.number("body_idle_ms", d.bodyIdleMs(), 50, 3_600_000),
        node.number("max_body_bytes_in_flight", d.maxBodyBytesInFlight(), 1024, 1L << 40));
  }
}
