package dev.modelmux.config;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/** Reads the {@code auth} section: the mode, and each client key with its digest, allowed routes, limits and role. */
final class AuthSection {
  private AuthSection() {}

  static AuthConfig read(ConfigNode node, List<RouteConfig> routes, List<DeploymentConfig> deployments,
      Function<String, String> environment) {
    node.allowOnly(Set.of("mode", "keys"));
    if (!node.has("mode")) {
      throw new ConfigException(node.field("mode"), "missing (keys or none)");
    }
    AuthConfig.Mode mode = node.choice("mode", null, v -> AuthConfig.Mode.valueOf(v.toUpperCase(Locale.ROOT)), "keys, none");
    List<ConfigNode> keyNodes = node.list("keys");
    if (keyNodes.isEmpty() && mode == AuthConfig.Mode.KEYS) {
      throw new ConfigException(node.field("keys"), "mode: keys needs at least one key");
    }
    Set<String> routeNames = new HashSet<>();
    routes.forEach(r -> routeNames.add(r.name()));
    deployments.forEach(d -> routeNames.add(d.model())); // a deployment's model name is a route of its own
    Set<String> ids = new HashSet<>();
    List<AuthConfig.ClientKey> keys = new ArrayList<>();
    for (ConfigNode k : keyNodes) {
      k.allowOnly(Set.of("id", "key_sha256", "key_env", "routes", "limits", "admin"));
      String id = k.string("id");
      boolean admin = k.bool("admin", false);
      if (mode == AuthConfig.Mode.NONE && !admin) {
        throw new ConfigException(k.field("admin"), "mode: none serves every client without a key; it lists operator keys only "
            + "(admin: true), or use mode: keys");
      }
      if (!ids.add(id)) {
        throw new ConfigException(k.field("id"), "duplicate key id '" + id + "'");
      }
      byte[] digest;
      if (k.has("key_sha256") == k.has("key_env")) {
        throw new ConfigException(k.field("key_sha256"), "give exactly one of key_sha256 (hex SHA-256 of the key) or key_env");
      } else if (k.has("key_sha256")) {
        digest = hexSha256(k.string("key_sha256"), k.field("key_sha256"));
      } else {
        String env = k.string("key_env");
        String value = environment.apply(env);
        if (value == null || value.isBlank()) {
          throw new ConfigException(k.field("key_env"), "environment variable " + env + " is not set");
        }
        digest = AuthConfig.sha256(value);
      }
      List<String> allowed = k.stringList("routes");
      for (int i = 0; i < allowed.size(); i++) {
        if (!routeNames.contains(allowed.get(i))) {
          throw new ConfigException(k.field("routes") + "[" + i + "]", "unknown route '" + allowed.get(i) + "'");
        }
      }
      if (k.has("routes") && allowed.isEmpty()) {
        throw new ConfigException(k.field("routes"), "an empty allowlist would refuse everything; omit routes to allow every route");
      }
      Limits limits = null;
      if (k.has("limits")) {
        ConfigNode l = k.object("limits").allowOnly(Set.of("tpm", "rpm"));
        limits = new Limits(l.number("tpm", Long.MAX_VALUE / 4, 1, Long.MAX_VALUE), l.number("rpm", Long.MAX_VALUE / 4, 1, Long.MAX_VALUE));
      }
      keys.add(new AuthConfig.ClientKey(id, digest, Set.copyOf(allowed), limits, admin));
    }
    for (int i = 0; i < keys.size(); i++) {
      for (int j = 0; j < i; j++) {
        if (keys.get(i).matches(keys.get(j).sha256())) {
          throw new ConfigException(keyNodes.get(i).field("id"), "key '" + keys.get(i).id() + "' is the same key as '" + keys.get(j).id() + "'");
        }
      }
    }
    return new AuthConfig(mode, keys);
  }

  /** 64 hex digits; the value itself is never echoed, since a hash of a short key is as good as the key. */
  private static byte[] hexSha256(String hex, String field) {
    if (!hex.matches("[0-9a-fA-F]{64}")) {
      throw new ConfigException(field, "must be 64 hex digits (the SHA-256 of the key, e.g. printf %s \"$KEY\" | sha256sum)");
    }
    return HexFormat.of().parseHex(hex);
  }
}
