package dev.modelmux.translate;

import dev.modelmux.config.DeploymentConfig;
import dev.modelmux.core.ChatRequest;

/** OpenAI client, Anthropic provider: Chat Completions in, Messages out, and the answer back as OpenAI chunks. */
final class OpenAiToAnthropic extends CrossTranslator {
  OpenAiToAnthropic(ChatRequest request, DeploymentConfig deployment, boolean keepText) {
    super(ToAnthropicRequest.from(request.body(), deployment, request.maxOutputTokens()).toBuffer(),
        body -> ToOpenAiResponse.from(body, deployment),
        new AnthropicEventDecoder(deployment),
        new OpenAiChunkEncoder(deployment, request.includeUsage()),
        keepText);
  }
}
