package dev.modelmux.server;

import dev.modelmux.api.RequestIds;
import dev.modelmux.config.FrontDoorConfig;
import dev.modelmux.core.Dialect;
import dev.modelmux.core.ErrorKind;
import dev.modelmux.core.GatewayError;
import dev.modelmux.errors.ErrorResponses;
import dev.modelmux.gateway.AccessLog;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.impl.RoutingContextInternal;

/**
 * Reads a request body whole, once the request has been admitted (its key checked, a place given): at most
 * {@code maxBytes} (413), arrived within {@code body_timeout_ms} of this step and with no gap longer than
 * {@code body_idle_ms} (408), and within the process's {@link BodyBudget} (503, Anthropic's 529, before a byte is read).
 * Every refusal closes the connection, since the rest of the body is still on its way. {@code Expect: 100-continue} is
 * answered here, so a client is invited to send its body only once it is admitted; any other expectation is a 417.
 * The route must {@link #hold} the request before any step that may wait, so no byte is read or lost before this one.
 */
final class BodyReader implements Handler<RoutingContext> {
  private static final long RETRY_AFTER_MS = 1000;

  private final Vertx vertx;
  private final long maxBytes;
  private final FrontDoorConfig limits;
  private final BodyBudget budget;
  private final Dialect dialect;

  /** @param dialect the dialect refusals speak, or null for the caller's (Anthropic when it sends its headers) */
  BodyReader(Vertx vertx, long maxBytes, FrontDoorConfig limits, BodyBudget budget, Dialect dialect) {
    this.vertx = vertx;
    this.maxBytes = maxBytes;
    this.limits = limits;
    this.budget = budget;
    this.dialect = dialect;
  }

  /** The route's first step: the request's body stays unread until the reader asks for it. */
  static void hold(RoutingContext ctx) {
    ctx.request().pause();
    ctx.next();
  }

  @Override
  public void handle(RoutingContext ctx) {
    HttpServerRequest request = ctx.request();
    String expect = request.getHeader(HttpHeaders.EXPECT);
    boolean continueExpected = expect != null && expect.strip().equalsIgnoreCase("100-continue");
    if (expect != null && !continueExpected) {
      refuse(ctx, GatewayError.of(417, ErrorKind.INVALID_REQUEST, "The expectation 'Expect: " + shown(expect)
          + "' cannot be met; only 100-continue is supported."), "expectation_failed");
      return;
    }
    long declared = declaredLength(request);
    boolean chunked = declared < 0 && request.headers().contains(HttpHeaders.TRANSFER_ENCODING);
    if (declared <= 0 && !chunked || request.isEnded()) {
      ((RoutingContextInternal) ctx).setBody(Buffer.buffer());
      request.resume();
      ctx.next();
      return;
    }
    if (declared > maxBytes) {
      refuse(ctx, tooLarge(), "too_large");
      return;
    }
    long reserved = Math.max(declared, 0);
    if (!budget.tryTake(reserved)) {
      refuse(ctx, overloaded(), "body_budget");
      return;
    }
    new Intake(ctx, declared, reserved).start(continueExpected);
  }

  /**
   * One body being read: its bytes so far, its two deadlines and its share of the budget, all given up exactly once.
   * A body that arrives in one chunk is kept as that chunk (no buffer of its own, no copy). Both deadlines share one
   * timer: a chunk only stamps the time, and the timer, when it fires, refuses the body or sets itself again for the
   * nearer of the two deadlines as the stamps now place them.
   */
  private final class Intake implements Handler<Long> {
    private final RoutingContext ctx;
    private final HttpServerRequest request;
    private final boolean chunked;
    private final long declared;
    /** The first chunk as it came, until a second one arrives; then a buffer of this intake's own. */
    private Buffer body;
    private boolean ownBuffer;
    private long reserved;
    private long received;
    private long startNanos;
    private long lastChunkNanos;
    private long timer = -1;
    private boolean done;

    Intake(RoutingContext ctx, long declared, long reserved) {
      this.ctx = ctx;
      this.request = ctx.request();
      this.chunked = declared < 0;
      this.declared = declared;
      this.reserved = reserved;
    }

    void start(boolean continueExpected) {
      startNanos = System.nanoTime();
      lastChunkNanos = startNanos;
      timer = vertx.setTimer(Math.min(limits.bodyTimeoutMs(), limits.bodyIdleMs()), this);
      request.handler(this::chunk).endHandler(v -> complete()).exceptionHandler(this::broke);
      if (continueExpected && request.version() != HttpVersion.HTTP_1_0) {
        request.response().writeContinue();
      }
      request.resume();
    }

    /** The deadline timer: the whole body late, or no byte for too long, or not yet either. */
    @Override
    public void handle(Long id) {
      timer = -1;
      long now = System.nanoTime();
      long elapsedMs = (now - startNanos) / 1_000_000;
      long quietMs = (now - lastChunkNanos) / 1_000_000;
      if (elapsedMs >= limits.bodyTimeoutMs()) {
        refuse(GatewayError.of(408, ErrorKind.TIMEOUT, "The request body did not arrive within " + limits.bodyTimeoutMs() + " ms."),
            "body_timeout");
      } else if (quietMs >= limits.bodyIdleMs()) {
        refuse(GatewayError.of(408, ErrorKind.TIMEOUT, "No byte of the request body arrived for " + limits.bodyIdleMs() + " ms."),
            "body_idle");
      } else {
        timer = vertx.setTimer(Math.max(1, Math.min(limits.bodyTimeoutMs() - elapsedMs, limits.bodyIdleMs() - quietMs)), this);
      }
    }

    private void chunk(Buffer chunk) {
      if (done) {
        return;
      }
      received += chunk.length();
      if (received > maxBytes) {
        refuse(tooLarge(), "too_large");
        return;
      }
      if (chunked) {
        if (!budget.tryTake(chunk.length())) {
          refuse(overloaded(), "body_budget");
          return;
        }
        reserved += chunk.length();
      }
      if (body == null) {
        body = chunk; // the server hands each chunk over as a buffer of its own, safe to keep
      } else {
        if (!ownBuffer) {
          body = Buffer.buffer((int) Math.min(Math.max(declared, received), 64 * 1024)).appendBuffer(body);
          ownBuffer = true;
        }
        body.appendBuffer(chunk);
      }
      lastChunkNanos = System.nanoTime();
    }

    private void complete() {
      if (done) {
        return;
      }
      finish();
      ((RoutingContextInternal) ctx).setBody(body == null ? Buffer.buffer() : body);
      ctx.next();
    }

    /** The client left mid-body (nobody to answer), or its framing broke (answered by {@link MalformedHttp}). */
    private void broke(Throwable cause) {
      if (done) {
        return;
      }
      finish();
      if (!(cause instanceof HttpClosedException)) {
        ctx.fail(400, cause);
      }
    }

    private void refuse(GatewayError error, String outcome) {
      if (done) {
        return;
      }
      finish();
      request.pause(); // the rest is not wanted; the connection closes once the answer is written
      BodyReader.this.refuse(ctx, error, outcome);
    }

    private void finish() {
      done = true;
      if (timer != -1) {
        vertx.cancelTimer(timer);
        timer = -1;
      }
      budget.giveBack(reserved);
      reserved = 0;
    }
  }

  private GatewayError tooLarge() {
    return GatewayError.of(413, ErrorKind.REQUEST_TOO_LARGE, "Request body exceeds the limit of " + maxBytes + " bytes.");
  }

  private static GatewayError overloaded() {
    return new GatewayError(503, ErrorKind.OVERLOADED, "The gateway is receiving as many request bodies as it can hold; "
        + "please retry shortly.", null, null, RETRY_AFTER_MS);
  }

  private void refuse(RoutingContext ctx, GatewayError error, String outcome) {
    HttpServerRequest request = ctx.request();
    Dialect speaks = dialect != null ? dialect
        : request.getHeader("anthropic-version") != null || request.getHeader("x-api-key") != null ? Dialect.ANTHROPIC : Dialect.OPENAI;
    String requestId = RequestIds.of(request);
    request.response().putHeader(HttpHeaders.CONNECTION, "close");
    ErrorResponses.send(request.response(), speaks, requestId, error);
    AccessLog.rejected(requestId, ErrorResponses.status(speaks, error), 0, outcome, null);
  }

  /** The declared Content-Length (already validated by the HTTP decoder), or -1 without one. */
  private static long declaredLength(HttpServerRequest request) {
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (length == null) {
      return -1;
    }
    try {
      return Long.parseLong(length.strip());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** A header value safe to quote back: printable ASCII, at most 40 characters. */
  private static String shown(String value) {
    String printable = value.chars().filter(c -> c >= 32 && c < 127 && c != '\'').collect(StringBuilder::new,
        StringBuilder::appendCodePoint, StringBuilder::append).toString();
    return printable.length() > 40 ? printable.substring(0, 40) + "..." : printable;
  }
}
