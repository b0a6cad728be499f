package dev.modelmux.config;

import dev.modelmux.emulator.EmulatorConfig;
import java.util.List;
import java.util.Optional;

/** The whole validated configuration. */
public record GatewayConfig(
    ServerConfig server,
    Optional<RedisConfig> redis,
    Optional<EmulatorConfig> emulator,
    ResilienceConfig resilience,
    List<DeploymentConfig> deployments,
    List<RouteConfig> routes) {

  public GatewayConfig withPort(int port) {
    ServerConfig s = new ServerConfig(server.host(), port, server.maxBodyBytes(), server.instances());
    return new GatewayConfig(s, redis, emulator, resilience, deployments, routes);
  }
}
