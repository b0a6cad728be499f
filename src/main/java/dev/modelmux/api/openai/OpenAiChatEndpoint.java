package dev.modelmux.api.openai;

import dev.modelmux.api.ErrorResponses;
import dev.modelmux.api.RequestIds;
import dev.modelmux.gateway.AccessLog;
import dev.modelmux.gateway.ChatRequest;
import dev.modelmux.gateway.ChatService;
import dev.modelmux.gateway.ErrorKind;
import dev.modelmux.gateway.GatewayError;
import dev.modelmux.gateway.GatewayException;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** POST /v1/chat/completions: OpenAI's Chat Completions API, streamed or not. */
public final class OpenAiChatEndpoint implements Handler<RoutingContext> {
  private static final Logger LOG = LoggerFactory.getLogger(OpenAiChatEndpoint.class);

  private final ChatService service;

  public OpenAiChatEndpoint(ChatService service) {
    this.service = service;
  }

  @Override
  public void handle(RoutingContext ctx) {
    long start = System.nanoTime();
    String requestId = RequestIds.of(ctx.request());
    String contentType = ctx.request().getHeader("content-type");
    if (contentType != null && !contentType.regionMatches(true, 0, "application/json", 0, "application/json".length())) {
      reject(ctx, requestId, start, GatewayError.of(415, ErrorKind.UNSUPPORTED_MEDIA_TYPE,
          "Invalid Content-Type header (" + contentType + "); the request body must be application/json."));
      return;
    }
    ChatRequest request;
    try {
      request = OpenAiRequestParser.parse(requestId, body(ctx));
    } catch (GatewayException e) {
      reject(ctx, requestId, start, e.error());
      return;
    }
    service.serve(request, ctx.response(), start);
  }

  private static Buffer body(RoutingContext ctx) {
    Buffer body = ctx.body().buffer();
    return body == null ? Buffer.buffer() : body;
  }

  private static void reject(RoutingContext ctx, String requestId, long start, GatewayError error) {
    LOG.debug("request_id={} rejected param={} reason={}", requestId, error.param(), error.message());
    ErrorResponses.send(ctx.response(), OpenAiDialect.INSTANCE, requestId, error);
    AccessLog.rejected(requestId, error.status(), (System.nanoTime() - start) / 1_000_000);
  }
}
