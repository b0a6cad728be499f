package dev.modelmux.eval;

/** One hand-written check of an answer. */
public interface Assertion {
  /** As written in the case file, e.g. {@code contains: "sum"}. */
  String describe();

  /** Null when the answer passes; else why it does not. */
  String check(Answer answer);
}
