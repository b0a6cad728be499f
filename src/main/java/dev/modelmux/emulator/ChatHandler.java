package dev.modelmux.emulator;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One chat completion, in one dialect: read and admit it, draw the model's fault, then answer
 * (or play the fault that replaces the answer).
 */
final class ChatHandler {
  /** Bodies above this are parsed and counted on a worker thread, not on the event loop. */
  static final int OFF_LOOP_BYTES = 256 * 1024;
  private static final AtomicLong SEQUENCE = new AtomicLong();
  /** What a model that takes no prefill answers (a REJECT_PREFILL fault). */
  static final String PREFILL_REFUSED =
      "This model does not support assistant message prefill. The conversation must end with a user message.";

  private final Vertx vertx;
  private final WireFormat format;
  private final Emulator emulator;

  ChatHandler(Vertx vertx, WireFormat format, Emulator emulator) {
    this.vertx = vertx;
    this.format = format;
    this.emulator = emulator;
  }

  void handle(HttpServerRequest request) {
    Exchange exchange = new Exchange(vertx, request, emulator::closing);
    String apiVersion = request.getParam("api-version");
    ResponseMeta[] meta = {meta(null, false, apiVersion)};
    String[] model = {null};
    exchange.onPeerClosed(v -> emulator.peerClosed(model[0]));
    request.body()
        .compose(body -> admit(request, body)
            .recover(failure -> Future.failedFuture(failure instanceof ApiError e ? withModel(e, request, body) : failure)))
        .onSuccess(admitted -> {
          model[0] = admitted.model().name();
          meta[0] = meta(admitted.model().name(), admitted.request().includeUsage(), apiVersion);
          answer(exchange, admitted, meta[0]);
        })
        .onFailure(failure -> {
          if (failure instanceof ApiError error) {
            model[0] = error.model();
            ModelCounters counters = emulator.counters(error.model());
            if (counters != null) {
              counters.arrived();
            }
            sendError(exchange, error, meta(error.model(), false, apiVersion), counters);
          } else if (!exchange.over()) {
            exchange.closeConnection(); // the body could not be read: the peer is gone or broke the protocol
          }
        });
  }

  private Future<Admission.Admitted> admit(HttpServerRequest request, Buffer body) {
    if (body.length() <= OFF_LOOP_BYTES) {
      try {
        return Future.succeededFuture(emulator.admission().admit(format.read(request, body)));
      } catch (ApiError e) {
        return Future.failedFuture(e);
      }
    }
    ChatRequest parsed;
    try {
      parsed = format.read(request, body);
    } catch (ApiError e) {
      return Future.failedFuture(e);
    }
    return vertx.executeBlocking(() -> emulator.admission().admit(parsed), false);
  }

  /** An error that names no model yet (auth, parse) gets the body's model, when it names a known one. */
  private ApiError withModel(ApiError error, HttpServerRequest request, Buffer body) {
    if (error.model() != null) {
      return error;
    }
    String model = format.modelOf(request, body);
    return emulator.counters(model) == null ? error : ApiError.withModel(error, model);
  }

  private void answer(Exchange exchange, Admission.Admitted admitted, ResponseMeta meta) {
    EmulatedModel model = admitted.model();
    ModelCounters counters = emulator.counters(model.name());
    counters.arrived();
    List<Turn> turns = admitted.request().turns();
    boolean prefill = !turns.isEmpty() && turns.get(turns.size() - 1).role().equals("assistant");
    Fault fault = emulator.faults().take(model.name(), prefill);
    if (fault.kind() != Fault.Kind.NONE) {
      counters.faults.increment();
    }
    switch (fault.kind()) {
      case STATUS -> {
        RateLimitState state = fault.status() == 429 ? admitted.rateLimit().exhausted() : admitted.rateLimit();
        sendError(exchange, ApiError.injected(fault.status(), model.name(), RateLimitState.reported(model.rpm())).rateLimit(state), meta, counters);
      }
      case PLAIN_STATUS -> sendError(exchange, ApiError.injected(fault.status(), model.name(), RateLimitState.reported(model.rpm()),
          fault.delayMs()).rateLimit(admitted.rateLimit()), meta, counters);
      case CONTENT_FILTER -> sendError(exchange, ApiError.contentFilter(model.name()).rateLimit(admitted.rateLimit()), meta, counters);
      case REJECT_PREFILL -> sendError(exchange, ApiError.invalidParameter("messages", "invalid_request_error", PREFILL_REFUSED)
          .rateLimit(admitted.rateLimit()), meta, counters);
      case RESET_BEFORE_HEADERS -> exchange.closeConnection();
      case NO_RESPONSE -> { // never answered (the exchange still notices the peer leaving), or closed after delay_ms
        if (fault.delayMs() > 0) {
          exchange.after(fault.delayMs(), exchange::closeConnection);
        }
      }
      default -> {
        if (fault.kind() == Fault.Kind.STREAM_ERROR && !admitted.request().stream()) {
          sendError(exchange, ApiError.injected(format.streamErrorStatus(), model.name(), RateLimitState.reported(model.rpm()))
              .rateLimit(admitted.rateLimit()), meta, counters);
          return;
        }
        AnswerPlan plan = AnswerPlanner.plan(admitted.request(), admitted.promptTokens(), model.style(), emulator.answers());
        AnswerPlayer player = new AnswerPlayer(format, exchange, plan, meta, model, fault, admitted.rateLimit(), counters);
        if (admitted.request().stream()) {
          player.stream();
        } else {
          player.respond();
        }
      }
    }
  }

  private void sendError(Exchange exchange, ApiError error, ResponseMeta meta, ModelCounters counters) {
    if (exchange.over()) {
      return;
    }
    RateLimitState state = error.rateLimit();
    if (state == null && error.model() != null && emulator.model(error.model()) != null) {
      state = emulator.rateLimitState(null, error.model());
    }
    WireFormat.ErrorReply reply = format.error(error, meta);
    var response = exchange.response();
    format.commonHeaders(response.headers(), meta, state);
    response.headers().addAll(reply.headers());
    response.setStatusCode(reply.status()).putHeader("content-type", reply.contentType());
    if (counters != null) {
      counters.status(reply.status());
    }
    exchange.answered();
    response.end(reply.body());
  }

  private static ResponseMeta meta(String model, boolean includeUsage, String apiVersion) {
    String requestId = "req_" + UUID.randomUUID().toString().replace("-", "");
    String completionId = "chatcmpl-emu" + Long.toString(SEQUENCE.incrementAndGet(), 36) + requestId.substring(4, 16);
    return new ResponseMeta(requestId, completionId, System.currentTimeMillis() / 1000, model, includeUsage, apiVersion);
  }
}
