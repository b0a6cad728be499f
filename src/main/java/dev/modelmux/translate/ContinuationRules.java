package dev.modelmux.translate;

import dev.modelmux.core.ChatRequest;
import dev.modelmux.core.Dialect;
import io.vertx.core.json.JsonObject;

/**
 * Which requests a {@link ContinuationTranslator} can continue faithfully when their stream breaks: a streamed answer
 * of one text choice. Not a request for several choices ({@code n > 1}: only choice 0's text is kept, the others would
 * end short), for log probabilities (the continued chunks would carry none), or with extended thinking (the client's
 * open block is not the first, and a prefill is refused while thinking). Tool calls and divergence are refused as the
 * stream goes, by the translator itself.
 */
public final class ContinuationRules {
  private ContinuationRules() {}

  public static boolean allow(ChatRequest request) {
    if (!request.stream()) {
      return false;
    }
    JsonObject body = request.body();
    if (request.dialect() == Dialect.OPENAI) {
      return !(body.getValue("n") instanceof Number n && n.intValue() > 1) && !Boolean.TRUE.equals(body.getValue("logprobs"));
    }
    return !(body.getValue("thinking") instanceof JsonObject thinking && "enabled".equals(thinking.getString("type")));
  }
}
