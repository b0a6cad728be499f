package dev.modelmux.exchange;

import dev.modelmux.core.ChatRequest;
import dev.modelmux.routing.Deployment;
import dev.modelmux.spi.Interaction;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * One request's ledger, from its arrival to its end: what it asked for, where it was routed, each attempt and what it
 * cost, what the client was sent (as far as it is kept for the log). It writes nothing to the client: its
 * {@link #response()} does, and tells it when the response is committed ({@link #onCommit}).
 */
public final class Exchange {
  private final ChatRequest request;
  private final long startNanos;
  private final Tracer tracer;
  /** The request's span (Vert.x's server span, current when the request arrived), or an invalid one. */
  private final Span span = Span.current();
  private final ClientResponse response;
  private final Bill bill = new Bill();
  private final List<Interaction.Attempt> attemptOutcomes = new ArrayList<>(2);
  private final List<Consumer<Object>> commitListeners = new ArrayList<>(2);
  private String route;
  private String clientKeyId;
  private String evalRun;
  private String prompt;
  private String deploymentId;
  private Deployment attempted;
  private int tokensTrimmed;
  private int attempts;
  private int fallbacks;
  private KeptAnswer kept = KeptAnswer.NONE;
  private JsonObject providerAnnotations;
  private ClientResponse.Writer owner;
  private long firstContentNanos = -1;

  /**
   * @param stallMs how long the client's write queue may stay full before its stream is ended
   * @param tracer what the request's attempts are traced with (a no-op one when tracing is off)
   */
  public Exchange(Vertx vertx, HttpServerResponse response, ChatRequest request, long startNanos, long stallMs, Tracer tracer) {
    this.request = request;
    this.startNanos = startNanos;
    this.tracer = tracer;
    this.response = new ClientResponse(vertx, response, this, stallMs);
  }

  public ChatRequest request() {
    return request;
  }

  /** The only writer to the client. */
  public ClientResponse response() {
    return response;
  }

  public long startNanos() {
    return startNanos;
  }

  public String route() {
    return route;
  }

  public void route(String name) {
    this.route = name;
  }

  /** The id of the client key that called (for the access log), or null when the gateway does not check keys. */
  public String clientKeyId() {
    return clientKeyId;
  }

  public void clientKeyId(String id) {
    this.clientKeyId = id;
  }

  /** The eval run an operator tagged the request with ({@code x-modelmux-eval}), or null for ordinary traffic. */
  public String evalRun() {
    return evalRun;
  }

  public void evalRun(String run) {
    this.evalRun = run;
  }

  /** The task variant the answering attempt was rendered from (task/variant@version), or null for a plain request. */
  public String prompt() {
    return prompt;
  }

  public void prompt(String label) {
    this.prompt = label;
  }

  /** How many tokens the answering attempt's context was trimmed by (0: the client's context as is). */
  public int tokensTrimmed() {
    return tokensTrimmed;
  }

  public void tokensTrimmed(int tokens) {
    this.tokensTrimmed = tokens;
  }

  /** The deployment that answered, or the last one tried; null before any was. */
  public String deploymentId() {
    return deploymentId;
  }

  /** The deployment of the last attempt started, or null. */
  Deployment attempted() {
    return attempted;
  }

  /** An attempt on {@code candidate} starts: counted, and a fallback when it is not the deployment tried before. */
  public void attempting(Deployment candidate) {
    if (deploymentId != null && !deploymentId.equals(candidate.id())) {
      fallbacks++;
    }
    attempts++;
    this.deploymentId = candidate.id();
    this.attempted = candidate;
  }

  int attempts() {
    return attempts;
  }

  public int fallbacks() {
    return fallbacks;
  }

  /** An attempt on a deployment ended, {@code ok} or with the error kind. */
  public void attemptEnded(String deploymentId, String outcome) {
    attemptOutcomes.add(new Interaction.Attempt(deploymentId, outcome));
  }

  public List<Interaction.Attempt> attemptOutcomes() {
    return List.copyOf(attemptOutcomes);
  }

  /** What the request's attempts cost. */
  public Bill bill() {
    return bill;
  }

  /** What the request's attempts are traced with. */
  public Tracer tracer() {
    return tracer;
  }

  Span span() {
    return span;
  }

  /** Keeps a copy of up to {@code maxBytes} of what the client is sent, for the interaction log. */
  public void keepAnswer(int maxBytes) {
    kept = new KeptAnswer(maxBytes);
  }

  /** What the client was sent, as far as it is kept; {@link KeptAnswer#NONE} when the answer is not kept. */
  public KeptAnswer keptAnswer() {
    return kept;
  }

  /** What the answering provider attached for the operator and the client was not sent (Translator#providerAnnotations). */
  public JsonObject providerAnnotations() {
    return providerAnnotations;
  }

  public void providerAnnotations(JsonObject annotations) {
    this.providerAnnotations = annotations;
  }

  /** Runs {@code listener} with the attempt that takes the client's response, just before its headers go out. */
  public void onCommit(Consumer<Object> listener) {
    commitListeners.add(listener);
  }

  /** The writer of the attempt that owns the client's response (it committed it, or continues it); null before. */
  ClientResponse.Writer owner() {
    return owner;
  }

  /** A continuation takes over a response another attempt committed. */
  void owner(ClientResponse.Writer writer) {
    this.owner = writer;
  }

  /** Told by {@link ClientResponse} alone: the response commits to {@code writer}'s attempt, on {@code deployment}. */
  void committing(ClientResponse.Writer writer, Deployment deployment) {
    owner = writer;
    deploymentId = deployment.id();
    List.copyOf(commitListeners).forEach(listener -> listener.accept(writer.attempt()));
    firstContentNanos = System.nanoTime();
  }

  /** Milliseconds from the request's arrival to its first content, or -1 if none was sent. */
  public long ttftMs() {
    return firstContentNanos < 0 ? -1 : (firstContentNanos - startNanos) / 1_000_000;
  }

  void keep(Buffer data) {
    kept.keep(data);
  }
}
