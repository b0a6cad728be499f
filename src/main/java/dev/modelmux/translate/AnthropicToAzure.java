package dev.modelmux.translate;

import dev.modelmux.config.DeploymentConfig;
import dev.modelmux.core.ChatRequest;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/**
 * Anthropic client, Azure OpenAI provider: as to OpenAI, but the body goes without a model (Azure takes the
 * deployment from the URL path), and Azure's content-filter annotation chunks carry nothing to relay.
 */
final class AnthropicToAzure extends CrossTranslator {
  AnthropicToAzure(ChatRequest request, DeploymentConfig deployment, boolean keepText) {
    super(body(request, deployment),
        answer -> ToAnthropicResponse.from(answer, deployment),
        new OpenAiChunkDecoder(deployment),
        new AnthropicEventEncoder(deployment),
        keepText);
  }

  private static Buffer body(ChatRequest request, DeploymentConfig deployment) {
    JsonObject body = ToOpenAiRequest.from(request.body(), deployment, request.stream());
    body.remove("model");
    return body.toBuffer();
  }
}
