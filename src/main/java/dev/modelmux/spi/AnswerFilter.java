package dev.modelmux.spi;

import dev.modelmux.core.GatewayException;

/**
 * Rewrites an answer's text on its way to the client (a prompt variant's post-processing): text in as the provider
 * sends it, text out as soon as it is known. One per answer; {@link #finish} throws {@link GatewayException} when the
 * answer does not conform (so, before anything reached the client, the route can try another deployment).
 */
public interface AnswerFilter {
  AnswerFilter NONE = new AnswerFilter() {
    @Override
    public String push(String text) {
      return text;
    }

    @Override
    public String finish() {
      return "";
    }
  };

  /** The next piece of the answer's text; returns what may be sent now (possibly empty). */
  String push(String text);

  /** The answer's text ended: returns what was still held. */
  String finish();
}
