package dev.modelmux.config;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The whole validated configuration.
 *
 * @param auth the client access section; empty means protected mode (loopback clients only)
 * @param sections the sections other packages own (see {@link ConfigLoader#section}), as their parsers returned them
 */
public record GatewayConfig(
    ServerConfig server,
    Optional<RedisConfig> redis,
    ResilienceConfig resilience,
    List<DeploymentConfig> deployments,
    List<RouteConfig> routes,
    Optional<AuthConfig> auth,
    Map<String, Object> sections) {

  public GatewayConfig withPort(int port) {
    ServerConfig s = server.withPort(port);
    return new GatewayConfig(s, redis, resilience, deployments, routes, auth, sections);
  }

  /** A section another package parsed, if the file had it. */
  public <T> Optional<T> section(String name, Class<T> type) {
    return Optional.ofNullable(sections.get(name)).map(type::cast);
  }
}
