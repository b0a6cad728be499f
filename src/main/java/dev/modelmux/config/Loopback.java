package dev.modelmux.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;

/** Whether a host names this machine's loopback: {@code localhost} (any case), 127.0.0.0/8 or ::1, never by a lookup. */
public final class Loopback {
  private Loopback() {}

  /** @param host a name or an address literal, an IPv6 one bracketed or not (as a URI's or a peer's host) */
  public static boolean isLoopback(String host) {
    if (host == null) {
      return false;
    }
    String h = host.toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    if (h.equals("localhost")) {
      return true;
    }
    // Only literals are parsed (no DNS): an IPv6 address has a colon, an IPv4 one four dotted numbers.
    if (h.indexOf(':') < 0 && !h.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
      return false;
    }
    try {
      return InetAddress.getByName(h).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }
}
