package dev.modelmux.translate;

import dev.modelmux.config.DeploymentConfig;
import dev.modelmux.config.ProviderKind;
import dev.modelmux.gateway.ChatRequest;
import dev.modelmux.gateway.Translator;

/** Picks the translator for a (client dialect × provider) pair; a new one per attempt, as it holds stream state. */
public final class Translators {
  private Translators() {}

  /** Throws GatewayException (400) when the request uses something the provider cannot express. */
  public static Translator create(ChatRequest request, DeploymentConfig deployment) {
    boolean anthropicProvider = deployment.provider() == ProviderKind.ANTHROPIC;
    if (request.dialect().name().equals("openai")) {
      if (!anthropicProvider) {
        return new OpenAiToOpenAi(request, deployment);
      }
      return new CrossTranslator(
          ToAnthropicRequest.from(request.body(), deployment, request.maxOutputTokens()).toBuffer(),
          body -> ToOpenAiResponse.from(body, deployment),
          new AnthropicEventDecoder(deployment),
          new OpenAiChunkEncoder(deployment, request.includeUsage()));
    }
    if (anthropicProvider) {
      return new AnthropicToAnthropic(request, deployment);
    }
    return new CrossTranslator(
        ToOpenAiRequest.from(request.body(), deployment, request.stream()).toBuffer(),
        body -> ToAnthropicResponse.from(body, deployment),
        new OpenAiChunkDecoder(deployment),
        new AnthropicEventEncoder(deployment));
  }
}
