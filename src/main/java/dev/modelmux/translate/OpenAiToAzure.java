package dev.modelmux.translate;

import dev.modelmux.config.DeploymentConfig;
import dev.modelmux.core.ChatRequest;

/**
 * OpenAI client, Azure OpenAI provider: Azure takes the deployment from the URL path, so the body goes without a
 * model; its content-filter annotation chunks (no choices, no usage) never reach the client.
 */
final class OpenAiToAzure extends OpenAiPassthrough {
  OpenAiToAzure(ChatRequest request, DeploymentConfig deployment, boolean keepText) {
    super(request, deployment, keepText);
  }

  @Override
  protected String modelMember() {
    return null;
  }
}
