package dev.modelmux.api;

import dev.modelmux.config.AuthConfig;
import dev.modelmux.core.ChatRequest;
import dev.modelmux.core.Dialect;
import dev.modelmux.core.ErrorKind;
import dev.modelmux.core.GatewayError;
import dev.modelmux.core.GatewayException;
import dev.modelmux.errors.ErrorResponses;
import dev.modelmux.gateway.AccessLog;
import dev.modelmux.gateway.ChatService;
import dev.modelmux.prompts.Catalog;
import dev.modelmux.prompts.TaskCall;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A completion endpoint of one client dialect: check the content type, validate the body, hand it to the service. */
public final class ChatEndpoint implements Handler<RoutingContext> {
  private static final Logger LOG = LoggerFactory.getLogger(ChatEndpoint.class);
  private static final String FAMILY = "x-modelmux-family";

  /** Validates a raw body into a request of one dialect; throws GatewayException with a 4xx. */
  public interface Parser {
    ChatRequest parse(String requestId, Buffer body);
  }

  private final ChatService service;
  private final Dialect dialect;
  private final Parser parser;
  private final Supplier<Catalog> prompts;

  /** @param prompts the prompt repository's current state, for {@code task:} calls */
  public ChatEndpoint(ChatService service, Dialect dialect, Parser parser, Supplier<Catalog> prompts) {
    this.service = service;
    this.dialect = dialect;
    this.parser = parser;
    this.prompts = prompts;
  }

  /** A validated request, with the task it calls (null for a plain request). */
  private record Parsed(ChatRequest request, TaskCall call) {}

  /** @param familyPin the x-modelmux-family header: a task call tries only deployments of that model family */
  private Parsed parse(String requestId, Buffer body, String familyPin) {
    ChatRequest request = parser.parse(requestId, body);
    return new Parsed(request, TaskCall.isTask(request.model()) ? TaskCall.of(prompts.get(), request, familyPin) : null);
  }

  @Override
  public void handle(RoutingContext ctx) {
    long start = System.nanoTime();
    String requestId = RequestIds.of(ctx.request());
    String contentType = ctx.request().getHeader("content-type");
    if (!isJson(contentType)) {
      reject(ctx, requestId, start, GatewayError.of(415, ErrorKind.UNSUPPORTED_MEDIA_TYPE, (contentType == null
          ? "Missing Content-Type header" : "Invalid Content-Type header (" + contentType + ")")
          + "; the request body must be application/json."));
      return;
    }
    String familyPin = ctx.request().getHeader(FAMILY);
    Buffer raw = ctx.body().buffer();
    Buffer body = raw == null ? Buffer.buffer() : raw;
    if (body.length() < ChatService.OFF_LOOP_BYTES) {
      Parsed parsed;
      try {
        parsed = parse(requestId, body, familyPin);
      } catch (GatewayException e) {
        reject(ctx, requestId, start, e.error());
        return;
      }
      serve(ctx, parsed, start);
      return;
    }
    // A large prompt is parsed, validated and scanned on a worker, so one big body never stalls the event loop's other requests.
    ctx.vertx().executeBlocking(() -> parse(requestId, body, familyPin), false).onComplete(parsed -> {
      if (parsed.succeeded()) {
        serve(ctx, parsed.result(), start);
      } else if (parsed.cause() instanceof GatewayException e) {
        reject(ctx, requestId, start, e.error());
      } else {
        ctx.fail(parsed.cause());
      }
    });
  }

  /**
   * Serves the request, unless its client key may not use the route it names, or its task runs on (a 403), or an
   * operator's eval tag is not a run id (a 400).
   */
  private void serve(RoutingContext ctx, Parsed parsed, long start) {
    ChatRequest request = parsed.request();
    AuthConfig.ClientKey key = ClientAuth.key(ctx);
    GatewayError forbidden = ClientAuth.forbidden(key, parsed.call() == null ? request.model() : parsed.call().task().route());
    if (forbidden != null) {
      ErrorResponses.send(ctx.response(), dialect, request.requestId(), forbidden);
      AccessLog.rejected(request.requestId(), ErrorResponses.status(dialect, forbidden), (System.nanoTime() - start) / 1_000_000,
          "forbidden", key.id());
      service.rejected(key.id(), "forbidden");
      return;
    }
    String evalRun;
    try {
      evalRun = EvalTag.runOf(ctx);
    } catch (IllegalArgumentException e) {
      reject(ctx, request.requestId(), start, EvalTag.invalid());
      return;
    }
    service.serve(request, parsed.call(), key == null ? null : key.id(), evalRun, ctx.response(), start);
  }

  /** application/json, with or without parameters such as charset. */
  private static boolean isJson(String contentType) {
    if (contentType == null) {
      return false;
    }
    int parameters = contentType.indexOf(';');
    return (parameters < 0 ? contentType : contentType.substring(0, parameters)).strip().equalsIgnoreCase("application/json");
  }

  private void reject(RoutingContext ctx, String requestId, long start, GatewayError error) {
    LOG.debug("request_id={} rejected param={} reason={}", requestId, error.param(), error.message());
    ErrorResponses.send(ctx.response(), dialect, requestId, error);
    AccessLog.rejected(requestId, ErrorResponses.status(dialect, error), (System.nanoTime() - start) / 1_000_000);
    AuthConfig.ClientKey key = ClientAuth.key(ctx);
    service.rejected(key == null ? null : key.id(), "rejected");
  }
}
