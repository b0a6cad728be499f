package dev.modelmux.prompts.post;

/** Helpers for processors that must hold back a tail that may turn out to be the start of a marker. */
final class Markers {
  private Markers() {}

  /** Removes and returns the first {@code count} chars of {@code held}. */
  static String take(StringBuilder held, int count) {
    String text = held.substring(0, count);
    held.delete(0, count);
    return text;
  }

  /** The length of the longest suffix of {@code text} that is a proper prefix of {@code marker}. */
  static int partialSuffix(CharSequence text, String marker) {
    int longest = Math.min(text.length(), marker.length() - 1);
    for (int n = longest; n > 0; n--) {
      if (regionMatches(text, text.length() - n, marker, n)) {
        return n;
      }
    }
    return 0;
  }

  private static boolean regionMatches(CharSequence text, int from, String marker, int n) {
    for (int i = 0; i < n; i++) {
      if (text.charAt(from + i) != marker.charAt(i)) {
        return false;
      }
    }
    return true;
  }
}
