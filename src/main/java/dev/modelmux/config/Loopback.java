package dev.modelmux.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.regex.Pattern;

/** Whether a host names this machine's loopback: {@code localhost} (any case), 127.0.0.0/8 or ::1, never by a lookup. */
public final class Loopback {
  private static final Pattern DOTTED_QUAD = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

  private Loopback() {}

  /** @param host a name or an address literal, an IPv6 one bracketed or not (as a URI's or a peer's host) */
  public static boolean isLoopback(String host) {
    if (host == null) {
      return false;
    }
    Boolean canonical = canonicalIpv4(host);
    if (canonical != null) {
      return canonical;
    }
    String h = host.toLowerCase(Locale.ROOT);
    if (h.startsWith("[") && h.endsWith("]")) {
      h = h.substring(1, h.length() - 1);
    }
    if (h.equals("localhost") || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1")) {
      return true;
    }
    // Only literals are parsed (no DNS): an IPv6 address has a colon, an IPv4 one four dotted numbers.
    if (h.indexOf(':') < 0 && !DOTTED_QUAD.matcher(h).matches()) {
      return false;
    }
    try {
      return InetAddress.getByName(h).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false;
    }
  }

  /**
   * The answer for an IPv4 literal as a peer's address reads (four decimal numbers up to 255, none with a leading
   * zero), read without a Pattern or an InetAddress; null for anything else, which the general path decides.
   */
  private static Boolean canonicalIpv4(String host) {
    int first = -1;
    int octet = -1;
    int octets = 0;
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      if (c == '.') {
        if (octet < 0 || octets == 3) {
          return null;
        }
        first = octets == 0 ? octet : first;
        octets++;
        octet = -1;
      } else if (c >= '0' && c <= '9') {
        if (octet == 0) {
          return null; // a leading zero: left to the general path, as before
        }
        octet = octet < 0 ? c - '0' : octet * 10 + c - '0';
        if (octet > 255) {
          return null;
        }
      } else {
        return null;
      }
    }
    return octets == 3 && octet >= 0 ? first == 127 : null;
  }
}
