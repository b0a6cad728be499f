package dev.modelmux.gateway;

import dev.modelmux.core.ChatRequest;
import dev.modelmux.core.GatewayError;
import dev.modelmux.resilience.ContextTrimmer;
import dev.modelmux.translate.ErrorFormat;
import dev.modelmux.routing.Deployment;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;

/**
 * The client's side of one request. Status and headers are committed only once an answer has content, so
 * every failure before that can still go to another deployment; "client gone" cancels whatever is in flight. A client
 * whose write queue stays full for {@code server.client_stall_ms} is cut off: its own bound, not a provider's.
 */
public final class ClientChannel {
  /** The status an exchange gets when its client left before the answer (nginx's; never sent). */
  static final int CLIENT_GONE = 499;

  private static final CharSequence EVENT_STREAM = HttpHeaders.createOptimized("text/event-stream");
  private static final CharSequence JSON = HttpHeaders.createOptimized("application/json");
  private static final CharSequence NO_CACHE = HttpHeaders.createOptimized("no-cache");
  private static final CharSequence REQUEST_ID = HttpHeaders.createOptimized("x-request-id");
  /** Echoed when the call was taken as eval traffic, so eval can tell whether the gateway honoured its tag. */
  private static final CharSequence EVAL_RUN = HttpHeaders.createOptimized("x-modelmux-eval");
  private static final CharSequence ROUTE = HttpHeaders.createOptimized("x-modelmux-route");
  private static final CharSequence DEPLOYMENT = HttpHeaders.createOptimized("x-modelmux-deployment");
  private static final CharSequence TRIMMED = HttpHeaders.createOptimized(ContextTrimmer.HEADER);
  private static final CharSequence ATTEMPTS = HttpHeaders.createOptimized("x-modelmux-attempts");
  private static final CharSequence FALLBACKS = HttpHeaders.createOptimized("x-modelmux-fallbacks");
  private static final CharSequence PROMPT = HttpHeaders.createOptimized("x-modelmux-prompt");

  private final Vertx vertx;
  private final HttpServerResponse response;
  private final ChatRequest request;
  private final long startNanos;
  private final long stallMs;
  private long stallTimer = -1;
  private boolean stalled;
  private String route;
  private String clientKeyId;
  private String evalRun;
  private String deployment;
  private String prompt;
  private boolean committed;
  private boolean gone;
  private boolean shutDown;
  private long firstContentNanos = -1;
  private int tokensTrimmed;
  private int attempts;
  private int fallbacks;
  private long promptTokensBilled;
  private long completionTokensBilled;
  private double costUsd;
  private final java.util.List<Runnable> cancelInFlight = new java.util.ArrayList<>(2);
  private final java.util.List<dev.modelmux.core.Interaction.Attempt> attemptOutcomes = new java.util.ArrayList<>(2);
  private Buffer kept;
  private io.vertx.core.json.JsonObject providerAnnotations;
  private int keepBytes;
  private io.opentelemetry.api.trace.Tracer tracer;
  /** The request's span (Vert.x's server span, current when the request arrived), or an invalid one. */
  private final io.opentelemetry.api.trace.Span requestSpan = io.opentelemetry.api.trace.Span.current();
  private Deployment attempted;
  private Object owner;

  /** @param stallMs how long the client's write queue may stay full before its stream is ended */
  public ClientChannel(Vertx vertx, HttpServerResponse response, ChatRequest request, long startNanos, long stallMs) {
    this.vertx = vertx;
    this.response = response;
    this.request = request;
    this.startNanos = startNanos;
    this.stallMs = stallMs;
    response.closeHandler(v -> {
      vertx.cancelTimer(stallTimer);
      if (!response.ended()) {
        gone = true;
        java.util.List.copyOf(cancelInFlight).forEach(Runnable::run);
      }
    });
  }

  public ChatRequest request() {
    return request;
  }

  public void route(String name) {
    this.route = name;
  }

  public String routeName() {
    return route;
  }

  /** The id of the client key that called (for the access log), or null when the gateway does not check keys. */
  public void clientKey(String id) {
    this.clientKeyId = id;
  }

  public String clientKeyId() {
    return clientKeyId;
  }

  /** The eval run an operator tagged the request with ({@code x-modelmux-eval}), or null for ordinary traffic. */
  public void evalRun(String run) {
    this.evalRun = run;
  }

  public String evalRun() {
    return evalRun;
  }

  public String deploymentId() {
    return deployment;
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

  /**
   * Takes the response for one attempt. With a hedge two attempts race; the first to have content wins and the
   * other must stop. Returns false to the loser.
   */
  public boolean claim(Object attempt, Deployment deployment) {
    if (owner != null && owner != attempt) {
      return false;
    }
    owner = attempt;
    this.deployment = deployment.id();
    return true;
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
  void shutDown(GatewayError error) {
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
    java.util.List.copyOf(cancelInFlight).forEach(Runnable::run);
  }

  public boolean committed() {
    return committed;
  }

  /** Milliseconds from the request's arrival to its first content, or -1 if none was sent. */
  public long ttftMs() {
    return firstContentNanos < 0 ? -1 : (firstContentNanos - startNanos) / 1_000_000;
  }

  /** The task variant the answering attempt was rendered from (task/variant@version), or null for a plain request. */
  void prompt(String label) {
    this.prompt = label;
  }

  public String prompt() {
    return prompt;
  }

  /** The attempt about to run sends a context trimmed by this many tokens (0: the client's context as is). */
  public void contextTrimmed(int tokens) {
    this.tokensTrimmed = tokens;
  }

  /** An attempt's tokens and their price, added to the request's bill (a failed or lost attempt costs too). */
  void spent(long promptTokens, long completionTokens, double usd) {
    promptTokensBilled += promptTokens;
    completionTokensBilled += completionTokens;
    costUsd += usd;
  }

  /** Prompt tokens over every attempt of the request. */
  public long promptTokensBilled() {
    return promptTokensBilled;
  }

  public long completionTokensBilled() {
    return completionTokensBilled;
  }

  /** What the request cost over every attempt, in US dollars at the deployments' configured prices. */
  public double costUsd() {
    return costUsd;
  }

  public int fallbacks() {
    return fallbacks;
  }

  public void attempting(Deployment candidate) {
    if (deployment != null && !deployment.equals(candidate.id())) {
      fallbacks++;
    }
    attempts++;
    this.deployment = candidate.id();
    this.attempted = candidate;
  }

  public void commit(boolean stream) {
    committed = true;
    firstContentNanos = System.nanoTime();
    MultiMap headers = response.setStatusCode(200).headers();
    headers.set(HttpHeaders.CONTENT_TYPE, stream ? EVENT_STREAM : JSON);
    if (stream) {
      headers.set(HttpHeaders.CACHE_CONTROL, NO_CACHE);
      response.setChunked(true);
    }
    identify(headers);
  }

  public void write(Buffer data) {
    if (data.length() > 0 && !gone) {
      keep(data);
      response.write(data);
    }
  }

  /** Keeps a copy of up to {@code maxBytes} of what the client is sent, for the interaction log. */
  void keepAnswer(int maxBytes) {
    kept = Buffer.buffer();
    keepBytes = maxBytes;
  }

  private void keep(Buffer data) {
    if (kept != null && kept.length() < keepBytes) {
      kept.appendBuffer(data, 0, Math.min(data.length(), keepBytes - kept.length()));
    }
  }

  void tracer(io.opentelemetry.api.trace.Tracer tracer) {
    this.tracer = tracer;
  }

  /** What the request's attempts are traced with, or null when tracing is off. */
  io.opentelemetry.api.trace.Tracer tracer() {
    return tracer;
  }

  int keepAnswerBytes() {
    return keepBytes;
  }

  /** What the client was sent, as far as it was kept; null when nothing was. */
  Buffer keptAnswer() {
    return kept;
  }

  /** What the answering provider attached for the operator and the client was not sent (Translator#providerAnnotations). */
  void providerAnnotations(io.vertx.core.json.JsonObject annotations) {
    providerAnnotations = annotations;
  }

  io.vertx.core.json.JsonObject providerAnnotations() {
    return providerAnnotations;
  }

  /** An attempt on a deployment ended, {@code ok} or with the error kind. */
  void attemptEnded(String deploymentId, String outcome) {
    attemptOutcomes.add(new dev.modelmux.core.Interaction.Attempt(deploymentId, outcome));
  }

  java.util.List<dev.modelmux.core.Interaction.Attempt> attemptOutcomes() {
    return java.util.List.copyOf(attemptOutcomes);
  }

  int tokensTrimmed() {
    return tokensTrimmed;
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

  public void end(Buffer last) {
    vertx.cancelTimer(stallTimer);
    if (!gone && !stalled && !response.ended()) {
      if (last != null) {
        keep(last);
      }
      RequestSpans.request(requestSpan, route, attempted, null);
      response.end(last);
    }
  }

  /** Ends a stream that was committed with the dialect's in-band error event. */
  public void endWithError(GatewayError error) {
    end(ErrorFormat.of(request.dialect()).streamError(error));
  }

  /** An error response, only possible before commit; in the client's own dialect. */
  public void fail(GatewayError error) {
    if (committed || gone || response.ended()) {
      return;
    }
    committed = true;
    RequestSpans.request(requestSpan, route, attempted, error);
    ErrorResponses.send(response, request.dialect(), error, this::identify);
  }

  private void identify(MultiMap headers) {
    headers.set(REQUEST_ID, request.requestId());
    if (route != null) {
      headers.set(ROUTE, route);
    }
    headers.set(DEPLOYMENT, deployment == null ? "none" : deployment);
    if (tokensTrimmed > 0) {
      headers.set(TRIMMED, Integer.toString(tokensTrimmed));
    }
    if (prompt != null) {
      headers.set(PROMPT, prompt);
    }
    if (attempts > 0) {
      headers.set(ATTEMPTS, Integer.toString(attempts));
      headers.set(FALLBACKS, Integer.toString(fallbacks));
    }
    if (evalRun != null) {
      headers.set(EVAL_RUN, evalRun);
    }
  }
}
