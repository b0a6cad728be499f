package dev.modelmux.translate;

import dev.modelmux.config.DeploymentConfig;
import dev.modelmux.core.ChatRequest;
import dev.modelmux.core.JsonMembers;

/** OpenAI client, OpenAI provider: the body with the deployment's model name, chunks as they come. */
final class OpenAiToOpenAi extends OpenAiPassthrough {
  OpenAiToOpenAi(ChatRequest request, DeploymentConfig deployment, boolean keepText) {
    super(request, deployment, keepText);
  }

  @Override
  protected String modelMember() {
    return JsonMembers.quote(deployment.model());
  }
}
