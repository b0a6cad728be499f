package dev.modelmux.prompts.post;

/**
 * Unwraps an answer that is one Markdown code block: the opening fence line (```lang) is dropped, the code goes out
 * as it comes, and the answer ends at the closing fence (what follows it is dropped). An answer that does not start
 * with a fence passes unchanged; only its leading whitespace is held until the first other character shows which.
 */
final class StripCodeFence implements TextProcessor {
  private static final String FENCE = "```";
  private static final String CLOSING = "\n" + FENCE;
  private static final int MAX_OPENING_LINE = 100;

  private enum State { LEAD, FENCED, DONE, PASS }

  private final StringBuilder held = new StringBuilder();
  private State state = State.LEAD;
  private boolean openingNewlinePending = true;

  @Override
  public String push(String piece) {
    switch (state) {
      case PASS:
        return piece;
      case DONE:
        return "";
      default:
        held.append(piece);
        return state == State.LEAD ? lead() : fenced();
    }
  }

  private String lead() {
    int text = 0;
    while (text < held.length() && Character.isWhitespace(held.charAt(text))) {
      text++;
    }
    int seen = Math.min(FENCE.length(), held.length() - text);
    if (!FENCE.startsWith(held.substring(text, text + seen))) {
      state = State.PASS;
      return Markers.take(held, held.length());
    }
    if (seen < FENCE.length()) {
      return "";
    }
    int newline = held.indexOf("\n", text);
    if (newline < 0) {
      if (held.length() - text > MAX_OPENING_LINE) {
        state = State.PASS;
        return Markers.take(held, held.length());
      }
      return "";
    }
    held.delete(0, newline);
    state = State.FENCED;
    return fenced();
  }

  /**
   * A closing fence is "\n```", so a tail that may begin one is held. The first char held on entry is the newline
   * that ended the opening fence line: it is not code, and {@link #code} drops it.
   */
  private String fenced() {
    int closing = held.indexOf(CLOSING);
    if (closing >= 0) {
      String text = held.substring(0, closing);
      held.setLength(0);
      state = State.DONE;
      return code(text);
    }
    return code(Markers.take(held, held.length() - Markers.partialSuffix(held, CLOSING)));
  }

  private String code(String text) {
    if (openingNewlinePending && !text.isEmpty()) {
      openingNewlinePending = false;
      return text.substring(1);
    }
    return text;
  }

  @Override
  public String finish() {
    String rest = switch (state) {
      case LEAD -> held.toString();
      case FENCED -> code(held.toString());
      default -> "";
    };
    held.setLength(0);
    state = State.DONE;
    return rest;
  }
}
