package dev.modelmux.config;

import java.util.Collection;
import java.util.Collections;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A provider key. Its toString never reveals it, so it cannot leak through logs or error messages. Every key the
 * process has read is remembered, so text from one provider can be cleaned of any of them.
 */
public final class Secret {
  private static final Set<String> KNOWN = ConcurrentHashMap.newKeySet();

  private final String value;

  public Secret(String value) {
    this.value = value;
    if (value != null && !value.isEmpty()) {
      KNOWN.add(value);
    }
  }

  /** The value of every key read so far. */
  public static Collection<String> known() {
    return Collections.unmodifiableSet(KNOWN);
  }

  public String reveal() {
    return value;
  }

  @Override
  public String toString() {
    return "***";
  }
}
