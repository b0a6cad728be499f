package dev.modelmux.routing;

import dev.modelmux.config.DeploymentConfig;
import dev.modelmux.provider.Provider;

/** A configured deployment together with the provider that knows how to call it. */
public record Deployment(DeploymentConfig config, Provider provider) {
  public String id() {
    return config.id();
  }
}
