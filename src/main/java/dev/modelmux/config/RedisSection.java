package dev.modelmux.config;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;
import java.util.Set;

/** Reads the {@code redis} section: where the shared budgets live, and what to do while they cannot be reached. */
final class RedisSection {
  private RedisSection() {}

  static RedisConfig read(ConfigNode node) {
    node.allowOnly(Set.of("type", "url", "endpoints", "master_name", "timeout_ms", "connect_timeout_ms", "local_share",
        "failures_to_down", "on_unavailable", "lease_ms", "unavailable_after_ms"));
    RedisConfig.Type type = node.choice("type", RedisConfig.Type.STANDALONE, v -> RedisConfig.Type.valueOf(v.toUpperCase(Locale.ROOT)),
        "standalone, cluster, sentinel");
    List<URI> endpoints = new ArrayList<>();
    if (node.has("url")) {
      endpoints.add(node.url("url"));
    }
    for (ConfigNode e : node.list("endpoints")) {
      endpoints.add(e.asUrl());
    }
    if (endpoints.isEmpty()) {
      throw new ConfigException(node.field("url"), "required (or endpoints)");
    }
    if (node.has("url") && node.has("endpoints")) {
      throw new ConfigException(node.field("url"), "give url (one standalone server) or endpoints, not both");
    }
    String masterName = node.has("master_name") ? node.string("master_name") : null;
    if (type == RedisConfig.Type.SENTINEL && masterName == null) {
      throw new ConfigException(node.field("master_name"), "required with type: sentinel");
    }
    OptionalDouble share = OptionalDouble.empty();
    if (node.has("local_share")) {
      double s = node.decimal("local_share", 1);
      if (s <= 0 || s > 1) {
        throw new ConfigException(node.field("local_share"), "must be in (0, 1], was " + s);
      }
      share = OptionalDouble.of(s);
    }
    RedisConfig.OnUnavailable onUnavailable = node.choice("on_unavailable", RedisConfig.OnUnavailable.LOCAL_SHARE,
        v -> RedisConfig.OnUnavailable.valueOf(v.toUpperCase(Locale.ROOT)), "local_share, fail_closed");
    return new RedisConfig(type, endpoints, masterName,
        node.number("timeout_ms", RedisConfig.DEFAULT_TIMEOUT_MS, 1, 60_000),
        node.number("connect_timeout_ms", RedisConfig.DEFAULT_CONNECT_TIMEOUT_MS, 1, 120_000),
        share,
        (int) node.number("failures_to_down", RedisConfig.DEFAULT_FAILURES_TO_DOWN, 1, 1000),
        onUnavailable,
        node.number("lease_ms", RedisConfig.DEFAULT_LEASE_MS, 2_000, 30_000),
        node.number("unavailable_after_ms", RedisConfig.DEFAULT_UNAVAILABLE_AFTER_MS, 100, 600_000));
  }
}
