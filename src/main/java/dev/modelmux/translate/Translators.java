package dev.modelmux.translate;

import dev.modelmux.config.DeploymentConfig;
import dev.modelmux.core.ChatRequest;
import dev.modelmux.spi.AnswerFilter;
import dev.modelmux.spi.Translator;

/** Picks the translator for a (client dialect × provider) pair; a new one per attempt, as it holds stream state. */
public final class Translators {
  private Translators() {}

  /**
   * As {@link #create(ChatRequest, DeploymentConfig, boolean)}, the answer's text passed through {@code filter}
   * (a prompt variant's post-processing) on its way to the client, streamed or not.
   */
  public static Translator create(ChatRequest request, DeploymentConfig deployment, boolean keepText, AnswerFilter filter) {
    Translator pair = create(request, deployment, keepText);
    return filter == AnswerFilter.NONE ? pair : new FilteredTranslator(pair, request, deployment, keepText, filter);
  }

  /**
   * @param keepText whether the answer's text must be kept for a continuation on another deployment
   * @throws dev.modelmux.core.GatewayException (400) when the request uses something the provider cannot express
   */
  public static Translator create(ChatRequest request, DeploymentConfig deployment, boolean keepText) {
    return switch (request.dialect()) {
      case OPENAI -> switch (deployment.provider()) {
        case OPENAI -> new OpenAiToOpenAi(request, deployment, keepText);
        case AZURE -> new OpenAiToAzure(request, deployment, keepText);
        case ANTHROPIC -> new OpenAiToAnthropic(request, deployment, keepText);
      };
      case ANTHROPIC -> switch (deployment.provider()) {
        case ANTHROPIC -> new AnthropicToAnthropic(request, deployment, keepText);
        case OPENAI -> new AnthropicToOpenAi(request, deployment, keepText);
        case AZURE -> new AnthropicToAzure(request, deployment, keepText);
      };
    };
  }
}
