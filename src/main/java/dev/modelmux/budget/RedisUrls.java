package dev.modelmux.budget;

import java.net.URI;

/** Makes a Redis URL safe to log: the user info (which may carry a password) and the query are never printed. */
public final class RedisUrls {
  private RedisUrls() {}

  public static String redact(URI url) {
    if (url == null) {
      return "redis://?";
    }
    StringBuilder s = new StringBuilder();
    s.append(url.getScheme() == null ? "redis" : url.getScheme()).append("://");
    if (url.getRawUserInfo() != null) {
      s.append("***@");
    }
    s.append(url.getHost() == null ? "?" : url.getHost());
    if (url.getPort() >= 0) {
      s.append(':').append(url.getPort());
    }
    if (url.getRawPath() != null && !url.getRawPath().isEmpty()) {
      s.append(url.getRawPath());
    }
    return s.toString();
  }

  /** A failure's class and message, with the URL's credentials removed should the message carry them. */
  public static String describe(Throwable err, URI url) {
    String m = err.getClass().getSimpleName() + (err.getMessage() == null ? "" : ": " + err.getMessage());
    String secret = url == null ? null : url.getRawUserInfo();
    if (secret != null && !secret.isEmpty()) {
      m = m.replace(secret, "***");
      int colon = secret.indexOf(':');
      if (colon >= 0 && colon < secret.length() - 1) {
        m = m.replace(secret.substring(colon + 1), "***");
      }
    }
    return m;
  }
}
