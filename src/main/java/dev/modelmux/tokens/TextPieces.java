package dev.modelmux.tokens;

/**
 * Cuts text into pieces of at most {@link #MAX_CHARS} chars for the encoder, whose byte-pair merging grows
 * faster than linearly (in time and memory) with the length of what it is given: 4 MB of one letter exhausts a
 * 320 MB heap. Pieces are counted one by one, so counting is linear in the text whatever its shape.
 *
 * <p>Where a piece can end, the count is exact: cl100k_base and o200k_base first split text into pre-tokens with a
 * regular expression (no look-behind, look-ahead of one char) and merge bytes only within a pre-token. A pre-token
 * never runs from a non-space char into a following space, nor from a newline into a following non-space char
 * other than {@code /} (o200k's punctuation pre-token takes trailing newlines and slashes). So a pre-token always
 * ends there, the text after it is split as it would be in the whole, and the sum of the pieces' counts is the
 * whole's count. Only a run of {@link #MAX_CHARS} chars without such a place (a long word, base64, minified code)
 * is cut anywhere else: see {@link #hardCuts}.
 */
public final class TextPieces {
  /** The longest piece the encoder is given: short enough to encode in well under a millisecond whatever it holds. */
  public static final int MAX_CHARS = 256;

  /** Told each piece as a range of the text. */
  @FunctionalInterface
  public interface Visitor {
    void piece(int start, int end);
  }

  private TextPieces() {}

  /**
   * Visits the pieces of {@code text} in order, each as long as the bound allows.
   *
   * @return the hard cuts made: places that are not a pre-token boundary, where the count may differ from the whole's
   */
  public static int forEach(CharSequence text, Visitor visitor) {
    int hardCuts = 0;
    for (int start = 0; start < text.length(); ) {
      int end = pieceEnd(text, start);
      visitor.piece(start, end);
      if (end < text.length() && !endsPreToken(text.charAt(end - 1), text.charAt(end))) {
        hardCuts++;
      }
      start = end;
    }
    return hardCuts;
  }

  /** Where the piece that starts at {@code start} ends: the last sure pre-token end within the bound, else the bound. */
  public static int pieceEnd(CharSequence text, int start) {
    if (text.length() - start <= MAX_CHARS) {
      return text.length();
    }
    int end = lastBoundary(text, start, start + MAX_CHARS);
    if (end > start) {
      return end;
    }
    end = start + MAX_CHARS;
    return Character.isHighSurrogate(text.charAt(end - 1)) ? end - 1 : end; // never split a code point
  }

  /**
   * The number of hard cuts {@code text} gets, which is also the margin {@link TokenCounter#count} adds: a cut
   * inside a pre-token stops merges across it, which almost always yields more tokens than the whole, never fewer
   * by more than one per cut in practice (TokenCounterPiecesTest compares them on random runs). Adding one per cut
   * keeps the estimate at or above what the provider bills, the safe direction for budgets.
   */
  public static int hardCuts(CharSequence text) {
    return forEach(text, (start, end) -> {});
  }

  /** The last place in (from, to] where a pre-token surely ends, or {@code from} when there is none. */
  private static int lastBoundary(CharSequence text, int from, int to) {
    for (int i = to; i > from; i--) {
      if (i < text.length() && endsPreToken(text.charAt(i - 1), text.charAt(i))) {
        return i;
      }
    }
    return from;
  }

  /** Whether a pre-token surely ends between {@code before} and {@code after}, in cl100k_base and o200k_base alike. */
  static boolean endsPreToken(char before, char after) {
    if (after == ' ') {
      return plainNonSpace(before);
    }
    return before == '\n' && after != '/' && plainNonSpace(after);
  }

  /** A char no tokenizer's regular expression takes for whitespace: a letter, a digit or visible ASCII. */
  private static boolean plainNonSpace(char c) {
    return (c > ' ' && c < 0x7f) || Character.isLetterOrDigit(c);
  }
}
