package dev.modelmux.api;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The review page's logins: a random session id (what the browser's cookie holds) mapped to the operator key's id
 * until it expires. Never the key itself. Kept in this process's memory: a restart, or another replica, asks for the
 * key again. Bounded: past {@link #MAX_SESSIONS} the session closest to its expiry is dropped.
 */
public final class OperatorSessions {
  public static final long TTL_MS = 8 * 60 * 60 * 1000L;
  static final int MAX_SESSIONS = 1_000;

  private record Session(String keyId, long expiresAtMs) {}

  private final SecureRandom random = new SecureRandom();
  private final Map<String, Session> sessions = new ConcurrentHashMap<>();
  private final LongSupplier clock;

  public OperatorSessions(LongSupplier clock) {
    this.clock = clock;
  }

  /** A new session for {@code keyId}: its id, 256 random bits. */
  public String open(String keyId) {
    long now = clock.getAsLong();
    sessions.values().removeIf(s -> s.expiresAtMs() <= now);
    while (sessions.size() >= MAX_SESSIONS) {
      sessions.entrySet().stream().min(Comparator.comparingLong(e -> e.getValue().expiresAtMs()))
          .ifPresent(e -> sessions.remove(e.getKey()));
    }
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    String id = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    sessions.put(id, new Session(keyId, now + TTL_MS));
    return id;
  }

  /** The key id of a live session, or null for an unknown or expired one. */
  public String keyId(String sessionId) {
    if (sessionId == null) {
      return null;
    }
    Session session = sessions.get(sessionId);
    if (session == null) {
      return null;
    }
    if (session.expiresAtMs() <= clock.getAsLong()) {
      sessions.remove(sessionId);
      return null;
    }
    return session.keyId();
  }

  public void close(String sessionId) {
    if (sessionId != null) {
      sessions.remove(sessionId);
    }
  }
}
