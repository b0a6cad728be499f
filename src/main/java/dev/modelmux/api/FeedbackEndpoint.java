package dev.modelmux.api;

import dev.modelmux.config.AuthConfig.ClientKey;
import dev.modelmux.core.Dialect;
import dev.modelmux.core.ErrorKind;
import dev.modelmux.core.GatewayError;
import dev.modelmux.errors.ErrorResponses;
import dev.modelmux.interactions.Feedback;
import dev.modelmux.interactions.InteractionLog;
import dev.modelmux.spi.Interaction;
import io.vertx.core.Handler;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /v1/feedback}: a thumbs up or down, a hallucination flag with the flagged spans, a correction or a
 * comment on one answer, by the request id every answer carries ({@code x-request-id}), from the client key that asked
 * for it. 201 stored; 404 no such answer in the log, or another key's; 400 a bad body; 503 without an interaction log.
 * Errors speak the caller's dialect (Anthropic when it sends {@code anthropic-version} or {@code x-api-key}).
 */
public final class FeedbackEndpoint implements Handler<RoutingContext> {
  private static final Logger LOG = LoggerFactory.getLogger(FeedbackEndpoint.class);
  /** A vote, its spans and a correction fit in far less; a larger body is a 413. */
  public static final long MAX_BODY_BYTES = 256 * 1024;

  private final Optional<InteractionLog> interactions;

  public FeedbackEndpoint(Optional<InteractionLog> interactions) {
    this.interactions = interactions;
  }

  @Override
  public void handle(RoutingContext ctx) {
    Dialect dialect = ctx.request().getHeader("anthropic-version") != null || ctx.request().getHeader("x-api-key") != null
        ? Dialect.ANTHROPIC : Dialect.OPENAI;
    if (interactions.isEmpty()) {
      fail(ctx, dialect, GatewayError.of(503, ErrorKind.OVERLOADED, "Feedback needs the interaction log, and this gateway has none "
          + "configured (an interactions: section)."));
      return;
    }
    ClientKey key = ClientAuth.key(ctx);
    String keyId = key == null ? null : key.id();
    Feedback feedback;
    try {
      JsonObject body = ctx.body().asJsonObject();
      if (body == null) {
        throw new IllegalArgumentException("The body must be a JSON object.");
      }
      feedback = Feedback.parse(body, keyId == null ? "anonymous" : keyId, System.currentTimeMillis());
    } catch (DecodeException | ClassCastException e) {
      fail(ctx, dialect, GatewayError.invalid("The body is not valid JSON.", null, null));
      return;
    } catch (IllegalArgumentException e) {
      fail(ctx, dialect, GatewayError.invalid(e.getMessage(), null, null));
      return;
    }
    // The client may vote before its request has fully ended and left the log's queue: wait for that, so its id is known.
    Feedback logged = feedback.withRequestId(Interaction.logId(keyId, feedback.requestId()));
    InteractionLog log = interactions.get();
    log.stored(logged.requestId()).compose(v -> log.store().feedback(logged, keyId)).onComplete(stored -> {
      if (stored.failed()) {
        LOG.warn("feedback for request_id={} could not be stored: {}", feedback.requestId(), stored.cause().getMessage());
        fail(ctx, dialect, GatewayError.of(503, ErrorKind.OVERLOADED, "The interaction log is unavailable; try again later."));
      } else if (!stored.result()) {
        fail(ctx, dialect, GatewayError.of(404, ErrorKind.NOT_FOUND, "No answer with request id '" + feedback.requestId()
            + "' for this API key is in the interaction log (it may not have been sampled, or is older than the retention).")
            .withParam("request_id").withCode("not_found"));
      } else {
        ctx.response().setStatusCode(201);
        ctx.json(new JsonObject().put("request_id", feedback.requestId()).put("user", feedback.user()).put("status", "recorded"));
      }
    });
  }

  private static void fail(RoutingContext ctx, Dialect dialect, GatewayError error) {
    ErrorResponses.send(ctx.response(), dialect, RequestIds.of(ctx.request()), error);
  }
}
