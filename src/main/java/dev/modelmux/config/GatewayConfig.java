package dev.modelmux.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The whole validated configuration.
 *
 * @param auth the client access section; empty means protected mode (loopback clients only)
 * @param prompts where the prompt repository is; empty when there is none
 * @param sections the sections other packages own (see {@link ConfigLoader#section}), as their parsers returned them
 */
public record GatewayConfig(
    ServerConfig server,
    Optional<RedisConfig> redis,
    ResilienceConfig resilience,
    List<DeploymentConfig> deployments,
    List<RouteConfig> routes,
    Optional<AuthConfig> auth,
    Optional<PromptsConfig> prompts,
    Map<String, Object> sections) {

  /**
   * The same gateway for a command that runs it in-process and calls it itself (eval): a free loopback port, no
   * separate admin listener, and protected mode, which serves exactly that loopback caller.
   */
  public GatewayConfig privateLoopback() {
    return new GatewayConfig(server.privateLoopback(), redis, resilience, deployments, routes, Optional.empty(), prompts, sections);
  }

  public GatewayConfig withPort(int port) {
    ServerConfig s = server.withPort(port);
    return new GatewayConfig(s, redis, resilience, deployments, routes, auth, prompts, sections);
  }

  /** The same gateway with its prompt repository somewhere else (a replay's candidate copy, say). */
  public GatewayConfig withPrompts(PromptsConfig other) {
    return new GatewayConfig(server, redis, resilience, deployments, routes, auth, Optional.of(other), sections);
  }

  /** The same gateway without one of the other packages' sections. */
  public GatewayConfig withoutSection(String name) {
    Map<String, Object> rest = new LinkedHashMap<>(sections);
    rest.remove(name);
    return new GatewayConfig(server, redis, resilience, deployments, routes, auth, prompts, Map.copyOf(rest));
  }

  /** The same gateway with {@code value} as another package's section {@code name}. */
  public GatewayConfig withSection(String name, Object value) {
    Map<String, Object> all = new LinkedHashMap<>(sections);
    all.put(name, value);
    return new GatewayConfig(server, redis, resilience, deployments, routes, auth, prompts, Map.copyOf(all));
  }

  /** The same gateway with these deployments (same ids, another address, say). */
  public GatewayConfig withDeployments(List<DeploymentConfig> other) {
    return new GatewayConfig(server, redis, resilience, List.copyOf(other), routes, auth, prompts, sections);
  }

  /** A section another package parsed, if the file had it. */
  public <T> Optional<T> section(String name, Class<T> type) {
    return Optional.ofNullable(sections.get(name)).map(type::cast);
  }
}
