package dev.modelmux.server.admin;

/**
 * {@code ?include=eval} on /admin/costs and the review queue: both leave out eval traffic ({@code eval --url} calls an
 * operator tagged with {@code x-modelmux-eval}) unless asked to count it too.
 */
final class IncludeEval {
  private IncludeEval() {}

  /** Whether {@code include} asks for eval traffic; throws IllegalArgumentException for any value but eval. */
  static boolean of(String include) {
    if (include == null || include.isBlank()) {
      return false;
    }
    if (include.strip().equals("eval")) {
      return true;
    }
    throw new IllegalArgumentException("'include' must be eval (to count the traffic of eval --url too), or absent.");
  }
}
