package dev.modelmux.config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Who may call the gateway: the top-level {@code auth} section. Without one the gateway runs in protected mode
 * (loopback clients only), which is not expressed here but by the section's absence.
 *
 * @param keys the keys: client keys, and operator keys ({@code admin: true}), which may also call the client
 *     endpoints; with {@code mode: none} only operator keys (clients need none)
 */
public record AuthConfig(Mode mode, List<ClientKey> keys) {
  public enum Mode { KEYS, NONE }

  public AuthConfig {
    keys = List.copyOf(keys);
  }

  /**
   * One client key, known only by the SHA-256 of its value.
   *
   * @param routes the routes it may use; empty means every route
   * @param limits its own tokens and requests per minute, shared by every replica; null for none
   * @param admin an operator key: it may also call the operator's endpoints (/admin, /metrics, /review, /_emulator)
   */
  public record ClientKey(String id, byte[] sha256, Set<String> routes, Limits limits, boolean admin) {
    public ClientKey {
      sha256 = sha256.clone();
      routes = Set.copyOf(routes);
    }

    public ClientKey(String id, byte[] sha256, Set<String> routes, Limits limits) {
      this(id, sha256, routes, limits, false);
    }

    public ClientKey(String id, byte[] sha256, Set<String> routes) {
      this(id, sha256, routes, null, false);
    }

    @Override
    public byte[] sha256() {
      return sha256.clone();
    }

    public boolean allows(String route) {
      return routes.isEmpty() || routes.contains(route);
    }

    /** Compares in constant time, so how long a refusal takes says nothing about how close a guess was. */
    public boolean matches(byte[] digest) {
      return MessageDigest.isEqual(sha256, digest);
    }

    /** Never the digest: a log line or an exception message may carry this. */
    @Override
    public String toString() {
      return "ClientKey[id=" + id + ", routes=" + routes + ", limits=" + limits + ", admin=" + admin + "]";
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof ClientKey k && k.id.equals(id) && MessageDigest.isEqual(k.sha256, sha256) && k.routes.equals(routes)
          && Objects.equals(k.limits, limits) && k.admin == admin;
    }

    @Override
    public int hashCode() {
      return id.hashCode();
    }
  }

  /** The SHA-256 of a key as presented by a client (UTF-8). */
  public static byte[] sha256(String key) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JVM has SHA-256", e);
    }
  }
}
