package dev.modelmux.server;

import dev.modelmux.config.ConfigException;
import dev.modelmux.config.ConfigNode;
import java.net.URI;
import java.util.Set;

/**
 * The {@code tracing:} section (off without it): spans over OTLP/gRPC to {@code otlp_endpoint}, a share of traces
 * sampled at the root (a client's {@code traceparent} decides for its own).
 */
public record TracingConfig(boolean enabled, URI otlpEndpoint, String serviceName, double sampleRatio) {
  public static final String SECTION = "tracing";

  public static TracingConfig parse(ConfigNode node) {
    node.allowOnly(Set.of("enabled", "otlp_endpoint", "service_name", "sample_ratio"));
    String endpoint = node.string("otlp_endpoint", "http://127.0.0.1:4317");
    URI uri;
    try {
      uri = URI.create(endpoint);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(node.field("otlp_endpoint"), "not a valid URL: " + e.getMessage());
    }
    double ratio = node.decimal("sample_ratio", 1.0);
    if (ratio < 0 || ratio > 1) {
      throw new ConfigException(node.field("sample_ratio"), "must be between 0 and 1");
    }
    return new TracingConfig(node.bool("enabled", true), uri, node.string("service_name", "modelmux"), ratio);
  }
}
