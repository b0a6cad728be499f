package dev.modelmux.translate;

import dev.modelmux.config.DeploymentConfig;
import dev.modelmux.core.ChatRequest;

/** Anthropic client, OpenAI provider: Messages in, Chat Completions out, and the answer back as Messages events. */
final class AnthropicToOpenAi extends CrossTranslator {
  AnthropicToOpenAi(ChatRequest request, DeploymentConfig deployment, boolean keepText) {
    super(ToOpenAiRequest.from(request.body(), deployment, request.stream()).toBuffer(),
        body -> ToAnthropicResponse.from(body, deployment),
        new OpenAiChunkDecoder(deployment),
        new AnthropicEventEncoder(deployment),
        keepText);
  }
}
