package dev.modelmux.exchange;

import dev.modelmux.core.GatewayError;
import dev.modelmux.errors.ErrorFormat;
import dev.modelmux.errors.ErrorResponses;
import dev.modelmux.routing.Deployment;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import java.util.ArrayList;
import java.util.List;

/**
 * The only writer to the client. Who may write, and when:
 * <ul>
 *   <li>Nothing goes out before an attempt has content. The first content commits status and headers to the attempt
 *       that has it ({@link Writer#commit}); until then every failure can still go to another deployment.</li>
 *   <li>With a hedge two attempts race: the first to commit owns the response, the other is refused and never
 *       writes.</li>
 *   <li>A continuation appends to a response another attempt committed ({@link Writer#append}): no headers, its text
 *       after what the client already has.</li>
 *   <li>Only the owner writes content and ends the answer ({@link Writer#write}, {@link Writer#end}); the request's
 *       own errors ({@link #fail} before commit, {@link #endWithError} after) are the exchange's to send.</li>
 *   <li>Once the client is gone, cut off for reading too slowly, or the gateway shut it down, nothing more is written;
 *       "client gone" cancels whatever is in flight.</li>
 * </ul>
 * An attempt commits, writes and ends only through the {@link Writer} it was handed ({@link #writer}): without one,
 * nothing can but send the request's own errors.
 * A client whose write queue stays full for {@code server.client_stall_ms} is cut off: its own bound, not a provider's.
 */
public final class ClientResponse {
  /** The status an exchange gets when its client left before the answer (nginx's; never sent). */
  public static final int CLIENT_GONE = 499;

  private static final CharSequence EVENT_STREAM = HttpHeaders.createOptimized("text/event-stream");
  private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");
  private static final CharSequence NO_CACHE = HttpHeaders.createOptimized("no-cache");

  private final Vertx vertx;
  private final HttpServerResponse response;
  private final Exchange exchange;
  private final long stallMs;
  private final List<Runnable> cancelInFlight = new ArrayList<>(2);
  private long stallTimer = -1;
  private boolean stalled;
  private boolean committed;
  private boolean gone;
  private boolean shutDown;

  ClientResponse(Vertx vertx, HttpServerResponse response, Exchange exchange, long stallMs) {
    this.vertx = vertx;
    this.response = response;
    this.exchange = exchange;
    this.stallMs = stallMs;
    response.closeHandler(v -> {
      vertx.cancelTimer(stallTimer);
      if (!response.ended()) {
        gone = true;
        List.copyOf(cancelInFlight).forEach(Runnable::run);
      }
    });
  }

  /** What to do if the client goes away now; registered before any upstream byte is read. */
  public void onGone(Runnable cancel) {
    cancelInFlight.add(cancel);
    if (gone) {
      cancel.run();
    }
  }

  public void noLongerInFlight(Runnable cancel) {
    cancelInFlight.remove(cancel);
  }

  public boolean gone() {
    return gone;
  }

  /** Whether the gateway cut this answer off because it is shutting down. */
  public boolean shutDown() {
    return shutDown;
  }

  /**
   * The gateway is going away: the answer ends with {@code error} (in-band once committed), then whatever is in flight
   * stops as if the client had left, so it settles without blaming the provider.
   */
  public void shutDown(GatewayError error) {
    if (gone || response.ended()) {
      return;
    }
    if (committed) {
      endWithError(error);
    } else {
      fail(error);
    }
    shutDown = true;
    gone = true;
    List.copyOf(cancelInFlight).forEach(Runnable::run);
  }

  public boolean committed() {
    return committed;
  }

  /**
   * A handle for {@code attempt}, the only way to commit, append to, write or end this response: whoever holds none
   * cannot write. The exchange's commit listeners are told {@code attempt}.
   */
  public Writer writer(Object attempt) {
    return new Writer(attempt);
  }

  private boolean commit(Writer writer, Deployment deployment, boolean stream) {
    Writer owner = exchange.owner();
    if (owner != null && owner != writer) {
      return false;
    }
    exchange.committing(writer, deployment);
    committed = true;
    MultiMap headers = response.setStatusCode(200).headers();
    headers.set(HttpHeaders.CONTENT_TYPE, stream ? EVENT_STREAM : JSON);
    if (stream) {
      headers.set(HttpHeaders.CACHE_CONTROL, NO_CACHE);
      response.setChunked(true);
    }
    identify(headers);
    return true;
  }

  private void write(Writer writer, Buffer data) {
    if (data.length() > 0 && !gone && writer == exchange.owner()) {
      exchange.keep(data);
      response.write(data);
    }
  }

  public boolean writeQueueFull() {
    return !gone && response.writeQueueFull();
  }

  /**
   * Runs {@code drained} once the full write queue has room again; if it stays full for the stall bound, runs
   * {@code stalled} (which stops the upstream) and closes the connection instead.
   */
  public void awaitDrain(Runnable drained, Runnable stalled) {
    vertx.cancelTimer(stallTimer);
    stallTimer = vertx.setTimer(stallMs, id -> {
      if (gone || response.ended()) {
        return;
      }
      this.stalled = true; // from here nothing more is written: it could never reach a client that reads nothing
      response.drainHandler(null);
      stalled.run();
      response.reset(); // on HTTP/1.1: closes the connection
    });
    response.drainHandler(v -> {
      vertx.cancelTimer(stallTimer);
      drained.run();
    });
  }

  /** Whether the client read too slowly and was cut off. */
  public boolean stalled() {
    return stalled;
  }

  public long stallMs() {
    return stallMs;
  }

  /** Ends a stream that was committed with the dialect's in-band error event. */
  public void endWithError(GatewayError error) {
    end(ErrorFormat.of(exchange.request().dialect()).streamError(error));
  }

  /** An error response, only possible before commit; in the client's own dialect. */
  public void fail(GatewayError error) {
    if (committed || gone || response.ended()) {
      return;
    }
    committed = true;
    RequestSpans.request(exchange.span(), exchange.route(), exchange.attempted(), error);
    ErrorResponses.send(response, exchange.request().dialect(), error, this::identify);
  }

  private void end(Buffer last) {
    vertx.cancelTimer(stallTimer);
    if (!gone && !stalled && !response.ended()) {
      if (last != null) {
        exchange.keep(last);
      }
      RequestSpans.request(exchange.span(), exchange.route(), exchange.attempted(), null);
      response.end(last);
    }
  }

  private void identify(MultiMap headers) {
    ExchangeHeaders.identify(exchange, headers);
  }

  /** One attempt's hold on the response; what it may do with it is the rule above. */
  public final class Writer {
    private final Object attempt;

    private Writer(Object attempt) {
      this.attempt = attempt;
    }

    Object attempt() {
      return attempt;
    }

    /**
     * The attempt's first content, on {@code deployment}: the response is committed to it (the exchange's commit
     * listeners run, then status and headers go out). False when another attempt has the response.
     */
    public boolean commit(Deployment deployment, boolean stream) {
      return ClientResponse.this.commit(this, deployment, stream);
    }

    /** The attempt continues the committed response, after the text the client already has. */
    public void append() {
      exchange.owner(this);
    }

    public void write(Buffer data) {
      ClientResponse.this.write(this, data);
    }

    /** The owner's answer is complete: {@code last} ends it. Anyone else's end is refused: it never writes. */
    public void end(Buffer last) {
      if (this == exchange.owner()) {
        ClientResponse.this.end(last);
      }
    }
  }
}
