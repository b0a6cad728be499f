package dev.modelmux.prompts.post;

/**
 * A streaming transducer over one answer's text: pieces in as the model sends them, text out as soon as it is known.
 * One instance per answer; {@link #finish} (and, for a processor that can tell early, {@link #push}) throws
 * {@link NonConformingAnswer} when the answer does not have the shape the variant asks for.
 */
public interface TextProcessor {
  /** The next piece; returns what may be sent now (possibly empty). */
  String push(String piece);

  /** The answer ended: returns what was still held. */
  String finish();
}
