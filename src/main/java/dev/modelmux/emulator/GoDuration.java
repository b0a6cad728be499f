package dev.modelmux.emulator;

/** Formats milliseconds the way Go's {@code time.Duration.String()} does: {@code 0s}, {@code 20ms}, {@code 1.5s}, {@code 6m0s}, {@code 1h2m3.5s}. */
public final class GoDuration {
  private GoDuration() {}

  public static String format(long ms) {
    if (ms <= 0) {
      return "0s";
    }
    if (ms < 1000) {
      return ms + "ms";
    }
    long hours = ms / 3_600_000;
    long minutes = ms / 60_000 % 60;
    long millis = ms % 60_000;
    StringBuilder out = new StringBuilder();
    if (hours > 0) {
      out.append(hours).append('h');
    }
    if (hours > 0 || minutes > 0) {
      out.append(minutes).append('m');
    }
    out.append(millis / 1000);
    long fraction = millis % 1000;
    if (fraction > 0) {
      String digits = String.format("%03d", fraction).replaceAll("0+$", "");
      out.append('.').append(digits);
    }
    return out.append('s').toString();
  }
}
