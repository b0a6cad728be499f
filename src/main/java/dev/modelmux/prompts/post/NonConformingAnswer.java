package dev.modelmux.prompts.post;

/** An answer a post-processor cannot accept (no start marker, no JSON value, a value its schema refuses). */
public final class NonConformingAnswer extends RuntimeException {
  public NonConformingAnswer(String problem) {
    super(problem, null, false, false);
  }
}
