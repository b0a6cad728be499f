package dev.modelmux.translate;

import dev.modelmux.config.DeploymentConfig;
import dev.modelmux.gateway.ChatRequest;
import dev.modelmux.gateway.Translator;

/** Picks the translator for a (client dialect × provider) pair; a new one per attempt, as it holds stream state. */
public final class Translators {
  private Translators() {}

  public static Translator create(ChatRequest request, DeploymentConfig deployment) {
    String pair = request.dialect().name() + "->" + deployment.provider().wireName();
    return switch (pair) {
      case "openai->openai" -> new OpenAiToOpenAi(request, deployment);
      default -> throw new IllegalStateException("no translator for " + pair);
    };
  }
}
