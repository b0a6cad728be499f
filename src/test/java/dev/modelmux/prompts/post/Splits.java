package dev.modelmux.prompts.post;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.Supplier;

/** Feeds an answer to a processor whole, in two pieces split at every offset, and one char at a time. */
final class Splits {
  private Splits() {}

  /** Asserts that every way of splitting {@code answer} gives {@code expected}, and returns it. */
  static String outputOf(Supplier<TextProcessor> processors, String answer, String expected) {
    assertThat(run(processors.get(), answer)).as("whole").isEqualTo(expected);
    for (int at = 0; at <= answer.length(); at++) {
      assertThat(run(processors.get(), answer.substring(0, at), answer.substring(at))).as("split at %d", at).isEqualTo(expected);
    }
    assertThat(run(processors.get(), answer.split(""))).as("one char at a time").isEqualTo(expected);
    return expected;
  }

  static String run(TextProcessor processor, String... pieces) {
    StringBuilder out = new StringBuilder();
    for (String piece : pieces) {
      out.append(processor.push(piece));
    }
    return out.append(processor.finish()).toString();
  }
}
