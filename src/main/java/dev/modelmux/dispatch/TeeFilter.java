package dev.modelmux.dispatch;

import dev.modelmux.spi.AnswerFilter;

/**
 * A post-processing chain that also keeps (up to a bound) the text it was given: the model's raw answer, which the
 * interaction log records beside what the client got.
 */
final class TeeFilter implements AnswerFilter {
  private final AnswerFilter inner;
  private final int maxChars;
  private final StringBuilder raw = new StringBuilder();

  TeeFilter(AnswerFilter inner, int maxChars) {
    this.inner = inner;
    this.maxChars = maxChars;
  }

  @Override
  public String push(String text) {
    if (raw.length() < maxChars) {
      raw.append(text, 0, Math.min(text.length(), maxChars - raw.length()));
    }
    return inner.push(text);
  }

  @Override
  public String finish() {
    return inner.finish();
  }

  String raw() {
    return raw.toString();
  }
}
