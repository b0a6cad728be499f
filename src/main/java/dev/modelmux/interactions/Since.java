package dev.modelmux.interactions;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A {@code since=} value: an age ({@code 7d}, {@code 12h}, {@code 30m}), a date ({@code 2026-12-01}, UTC), or an ISO instant. */
public final class Since {
  private static final Pattern AGE = Pattern.compile("(\\d{1,6})([dhm])");

  private Since() {}

  /** Epoch milliseconds; throws {@link IllegalArgumentException} for anything else. */
  public static long parse(String text, long nowMs) {
    Matcher age = AGE.matcher(text);
    if (age.matches()) {
      long n = Long.parseLong(age.group(1));
      long unit = switch (age.group(2)) {
        case "d" -> 86_400_000L;
        case "h" -> 3_600_000L;
        default -> 60_000L;
      };
      return nowMs - n * unit;
    }
    try {
      return text.length() == 10 ? LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli()
          : Instant.parse(text).toEpochMilli();
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("'since' must be an age (7d, 12h, 30m), a date (2026-12-01) or an ISO instant.");
    }
  }
}
