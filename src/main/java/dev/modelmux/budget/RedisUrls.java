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
}
