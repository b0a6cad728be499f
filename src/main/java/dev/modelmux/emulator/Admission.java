package dev.modelmux.emulator;

import dev.modelmux.tokens.TokenCounter;
import java.util.Map;

/**
 * Decides whether a parsed request is served: the model exists, prompt plus requested output fit its
 * context window, and the caller's key has RPM/TPM left (spending it). Thread-safe; counting a prompt
 * is CPU work, so callers move very large bodies off the event loop.
 */
final class Admission {

  /** An admitted request: what it costs and the rate-limit state after it. */
  record Admitted(ChatRequest request, EmulatedModel model, int promptTokens, RateLimitState rateLimit) {}

  private final Map<String, EmulatedModel> models;
  private final RateLimits limits;

  Admission(Map<String, EmulatedModel> models, RateLimits limits) {
    this.models = models;
    this.limits = limits;
  }

  /** Admits {@code request} or throws the {@link ApiError} (with its rate-limit state attached) that refuses it. */
  Admitted admit(ChatRequest request) {
    EmulatedModel model = models.get(request.model());
    if (model == null) {
      throw ApiError.modelNotFound(request.model());
    }
    int prompt = TokenCounter.countChat(TokenCounter.encodingFor(model.name()), request.messages(), request.tools());
    int output = request.maxTokens() == null ? 0 : request.maxTokens();
    if (model.contextWindow() > 0 && (long) prompt + output > model.contextWindow()) {
      throw ApiError.contextLength(model.name(), model.contextWindow(), prompt, output)
          .rateLimit(limits.state(request.apiKey(), model));
    }
    SlidingWindow.Decision decision = limits.tryAcquire(request.apiKey(), model, (long) prompt + output);
    if (!decision.admitted()) {
      throw decision.refusal().rateLimit(decision.state());
    }
    return new Admitted(request, model, prompt, decision.state());
  }
}
