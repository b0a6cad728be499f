package dev.modelmux.provider;

import io.vertx.core.MultiMap;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/** Reads how long a provider asks us to wait: retry-after-ms, else retry-after as seconds or an HTTP-date. */
public final class RetryAfter {
  private RetryAfter() {}

  /** Milliseconds to wait, or 0 when the provider said nothing usable. */
  public static long millis(MultiMap headers, Instant now) {
    String ms = headers.get("retry-after-ms");
    if (ms != null) {
      try {
        double value = Double.parseDouble(ms.trim());
        if (value > 0 && Double.isFinite(value)) {
          return (long) Math.ceil(value);
        }
      } catch (NumberFormatException ignored) {
        // fall through to retry-after
      }
    }
    String after = headers.get("retry-after");
    if (after == null) {
      return 0;
    }
    try {
      double seconds = Double.parseDouble(after.trim());
      return seconds > 0 && Double.isFinite(seconds) ? (long) Math.ceil(seconds * 1000) : 0;
    } catch (NumberFormatException notSeconds) {
      try {
        Instant at = ZonedDateTime.parse(after.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        return Math.max(0, at.toEpochMilli() - now.toEpochMilli());
      } catch (DateTimeParseException notDate) {
        return 0;
      }
    }
  }
}
