package dev.modelmux.prompts;

import dev.modelmux.core.ErrorKind;
import dev.modelmux.core.GatewayError;
import dev.modelmux.core.GatewayException;
import dev.modelmux.prompts.post.NonConformingAnswer;
import dev.modelmux.prompts.post.TextProcessor;
import dev.modelmux.spi.AnswerFilter;

/** A variant's post-processors on one answer; an answer they refuse is a 502 the route may fail over on. */
final class PostFilter implements AnswerFilter {
  private final TextProcessor run;
  private final String label;

  PostFilter(Variant variant) {
    this.run = variant.post().newRun();
    this.label = variant.label();
  }

  static AnswerFilter of(Variant variant) {
    return variant.post().isEmpty() ? AnswerFilter.NONE : new PostFilter(variant);
  }

  @Override
  public String push(String text) {
    try {
      return run.push(text);
    } catch (NonConformingAnswer e) {
      throw refused(e);
    }
  }

  @Override
  public String finish() {
    try {
      return run.finish();
    } catch (NonConformingAnswer e) {
      throw refused(e);
    }
  }

  private GatewayException refused(NonConformingAnswer e) {
    return new GatewayException(GatewayError.of(502, ErrorKind.NONCONFORMING_ANSWER,
        "The model's answer does not fit prompt " + label + ": " + e.getMessage()));
  }
}
