package dev.modelmux.translate;

import dev.modelmux.core.Usage;

/**
 * What a translator has seen of one answer, the state every pair shares: whether it finished, whether it called
 * tools, and its text — kept only when a continuation may need it, as most routes never continue a stream.
 */
final class AnswerSoFar {
  private final StringBuilder text;
  private boolean toolsSeen;
  private boolean finished;

  AnswerSoFar(boolean keepText) {
    this.text = keepText ? new StringBuilder() : null;
  }

  boolean keepsText() {
    return text != null;
  }

  void text(String piece) {
    if (text != null && piece != null) {
      text.append(piece);
    }
  }

  /** The text relayed so far; empty when it is not kept. */
  String text() {
    return text == null ? "" : text.toString();
  }

  void toolCall() {
    toolsSeen = true;
  }

  boolean toolsSeen() {
    return toolsSeen;
  }

  void finish() {
    finished = true;
  }

  boolean finished() {
    return finished;
  }

  /** Usage as providers report it: a value seen replaces the one before, an absent one (-1) keeps it. */
  static Usage merge(Usage before, int promptTokens, int completionTokens) {
    return new Usage(promptTokens >= 0 ? promptTokens : before.promptTokens(), completionTokens >= 0 ? completionTokens : before.completionTokens());
  }
}
