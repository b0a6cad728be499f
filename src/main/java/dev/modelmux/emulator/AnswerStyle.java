package dev.modelmux.emulator;

import java.util.Locale;

/**
 * How an emulated model dresses its answers, as real model families do: GPT-4 class answers clean, GPT-3.5 class
 * wraps the answer in a blurb, Claude class opens with a line of its own. Any style puts the answer between
 * {@code <answer>} and {@code </answer>} when the prompt asks for those markers.
 */
public enum AnswerStyle {
  CLEAN("", ""),
  BLURB("Sure! Here's what you asked for:\n\n", "\n\nLet me know if you have any other questions!"),
  CLAUDE("Here is my answer.\n\n", "");

  static final String START_MARKER = "<answer>";
  static final String END_MARKER = "</answer>";

  private final String before;
  private final String after;

  AnswerStyle(String before, String after) {
    this.before = before;
    this.after = after;
  }

  /** The answer {@code core} as a model of this style gives it, with markers when {@code markersAsked}. */
  String dress(String core, boolean markersAsked) {
    String marked = markersAsked ? START_MARKER + core + END_MARKER : core;
    return before + marked + after;
  }

  /** {@code clean}, {@code blurb} or {@code claude}; null for anything else. */
  static AnswerStyle parse(String name) {
    for (AnswerStyle style : values()) {
      if (style.name().toLowerCase(Locale.ROOT).equals(name)) {
        return style;
      }
    }
    return null;
  }
}
