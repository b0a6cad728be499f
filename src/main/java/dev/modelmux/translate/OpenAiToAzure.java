package dev.modelmux.translate;

import dev.modelmux.config.DeploymentConfig;
import dev.modelmux.core.ChatRequest;
import dev.modelmux.core.SseEvent;
import dev.modelmux.core.StreamStep;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;

/**
 * OpenAI client, Azure OpenAI provider: Azure takes the deployment from the URL path, so the body goes without a
 * model; its content-filter annotations ({@link AzureFilterResults}) never reach the client, and are kept for the log.
 */
final class OpenAiToAzure extends OpenAiPassthrough {
  private final AzureFilterResults filters = new AzureFilterResults();

  OpenAiToAzure(ChatRequest request, DeploymentConfig deployment, boolean keepText) {
    super(request, deployment, keepText);
  }

  @Override
  protected String modelMember() {
    return null;
  }

  @Override
  public Buffer clientBody(Buffer upstreamBody) {
    return super.clientBody(filters.strip(upstreamBody));
  }

  @Override
  public StreamStep onEvent(SseEvent event, Buffer out) {
    return super.onEvent(filters.strip(event), out);
  }

  @Override
  public JsonObject providerAnnotations() {
    return filters.annotations();
  }
}
