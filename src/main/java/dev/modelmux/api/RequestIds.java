package dev.modelmux.api;

import io.vertx.core.http.HttpServerRequest;
import java.util.concurrent.ThreadLocalRandom;

/** The client's x-request-id when it sent a sane one, otherwise a fresh one. */
public final class RequestIds {
  private static final int MAX_LENGTH = 128;

  private RequestIds() {}

  public static String of(HttpServerRequest request) {
    String given = request.getHeader("x-request-id");
    if (given != null && !given.isEmpty() && given.length() <= MAX_LENGTH && given.chars().allMatch(c -> c > 32 && c < 127)) {
      return given;
    }
    ThreadLocalRandom random = ThreadLocalRandom.current();
    return "req_" + Long.toHexString(random.nextLong() | Long.MIN_VALUE) + Long.toHexString(random.nextLong() | Long.MIN_VALUE);
  }
}
