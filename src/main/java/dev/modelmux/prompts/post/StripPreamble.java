package dev.modelmux.prompts.post;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Drops a lead-in line such as "Sure! Here's what you asked for:" (and the blank lines after it) before the real
 * answer. Only the first lines are held, each until it is known whether it is a lead-in (its newline, or a start no
 * lead-in could have); from the first line that is not, everything passes straight through. A single line with no newline after it is the answer itself and is kept.
 */
final class StripPreamble implements TextProcessor {
  static final Pattern LEAD_IN = Pattern.compile("(?i)(sure|certainly|of course|absolutely|okay|ok|great|here(?:'s| is| are)"
      + "|below is|i'd be happy|happy to help)\\b.{0,118}[:!.]");
  private static final int MAX_LINE = 200;
  private static final int MAX_LEAD_IN_LINES = 2;

  private enum State { LINE, GAP, PASS }

  private final Pattern leadIn;
  private final StringBuilder held = new StringBuilder();
  private State state = State.LINE;
  private int dropped;

  StripPreamble(Pattern leadIn) {
    this.leadIn = leadIn;
  }

  @Override
  public String push(String piece) {
    if (state == State.PASS) {
      return piece;
    }
    held.append(piece);
    while (true) {
      if (state == State.GAP && !skipBlankLines()) {
        return "";
      }
      if (state == State.PASS) {
        return Markers.take(held, held.length());
      }
      int newline = held.indexOf("\n");
      if (newline < 0) {
        if (held.length() > MAX_LINE || cannotBeALeadIn(held.toString().stripLeading())) {
          state = State.PASS;
          return Markers.take(held, held.length());
        }
        return "";
      }
      if (!leadIn.matcher(held.substring(0, newline).strip()).matches()) {
        state = State.PASS;
        return Markers.take(held, held.length());
      }
      held.delete(0, newline + 1);
      dropped++;
      state = State.GAP;
    }
  }

  /** Whether no continuation of this start of a line could make it a lead-in (so it need not be held). */
  private boolean cannotBeALeadIn(String lineStart) {
    Matcher m = leadIn.matcher(lineStart);
    return !lineStart.isEmpty() && !m.matches() && !m.hitEnd();
  }

  /** Drops the blank lines after a lead-in; false while only whitespace is held (the next piece may continue it). */
  private boolean skipBlankLines() {
    int firstText = 0;
    while (firstText < held.length() && Character.isWhitespace(held.charAt(firstText))) {
      firstText++;
    }
    if (firstText == held.length()) {
      return false;
    }
    held.delete(0, held.lastIndexOf("\n", firstText) + 1);
    state = dropped < MAX_LEAD_IN_LINES ? State.LINE : State.PASS;
    return true;
  }

  @Override
  public String finish() {
    return state == State.GAP ? "" : Markers.take(held, held.length());
  }
}
