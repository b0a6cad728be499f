package dev.modelmux.dispatch;

import dev.modelmux.breaker.Breakers;
import dev.modelmux.budget.BudgetStore;
import dev.modelmux.config.ResilienceConfig;
import dev.modelmux.exchange.OpenExchanges;
import dev.modelmux.metrics.GatewayMetrics;
import dev.modelmux.routing.RouteTable;
import dev.modelmux.spi.Interaction;
import dev.modelmux.spi.InteractionSink;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.TracerProvider;
import io.vertx.core.Vertx;

/**
 * What every request of the process shares, built once: the routes, the budgets and breakers, the waiting room, the
 * register of open exchanges, the meters, where ended requests are recorded and what attempts are traced with. A
 * feature that is off is a no-op here (nothing recorded, nothing traced), never a null.
 */
public final class Shared {
  /** Records nothing: the interaction log is off. */
  private static final InteractionSink NOWHERE = new InteractionSink() {
    @Override
    public boolean begin(String requestId) {
      return false;
    }

    @Override
    public void record(Interaction interaction) {}

    @Override
    public int maxAnswerBytes() {
      return 0;
    }
  };

  private final Vertx vertx;
  private final RouteTable routes;
  private final BudgetStore budgets;
  private final Breakers breakers;
  private final GatewayMetrics metrics;
  private final ResilienceConfig resilience;
  private final long clientStallMs;
  private final CapacityWaiter waiter;
  private final OpenExchanges exchanges;
  private final QuotaAlarm quota;
  private final Admission admission;
  private final InteractionSink interactions;
  private final Tracer tracer;

  /** @param clientStallMs how long a client's write queue may stay full before its stream is ended */
  public Shared(Vertx vertx, RouteTable routes, BudgetStore budgets, Breakers breakers, GatewayMetrics metrics,
      ResilienceConfig resilience, long clientStallMs) {
    this.vertx = vertx;
    this.routes = routes;
    this.budgets = budgets;
    this.breakers = breakers;
    this.metrics = metrics;
    this.resilience = resilience;
    this.clientStallMs = clientStallMs;
    this.waiter = new CapacityWaiter(vertx, budgets);
    this.exchanges = new OpenExchanges();
    this.quota = new QuotaAlarm(budgets, resilience.quotaPauseMs());
    this.admission = new Admission(budgets, breakers);
    this.interactions = NOWHERE;
    this.tracer = TracerProvider.noop().get("dev.modelmux");
  }

  private Shared(Shared from, InteractionSink interactions, Tracer tracer) {
    this.vertx = from.vertx;
    this.routes = from.routes;
    this.budgets = from.budgets;
    this.breakers = from.breakers;
    this.metrics = from.metrics;
    this.resilience = from.resilience;
    this.clientStallMs = from.clientStallMs;
    this.waiter = from.waiter;
    this.exchanges = from.exchanges;
    this.quota = from.quota;
    this.admission = from.admission;
    this.interactions = interactions;
    this.tracer = tracer;
  }

  /** The same, recording sampled requests to {@code sink} (the interaction log). */
  public Shared recordingTo(InteractionSink sink) {
    return new Shared(this, sink, tracer);
  }

  /** The same, tracing attempts with {@code with}. */
  public Shared tracedWith(Tracer with) {
    return new Shared(this, interactions, with);
  }

  /** Whether a candidate may take an attempt now; one for the process, it holds no request's state. */
  Admission admission() {
    return admission;
  }

  public Vertx vertx() {
    return vertx;
  }

  public RouteTable routes() {
    return routes;
  }

  public BudgetStore budgets() {
    return budgets;
  }

  public Breakers breakers() {
    return breakers;
  }

  public GatewayMetrics metrics() {
    return metrics;
  }

  /** The process's waiting room for requests that found no capacity. */
  CapacityWaiter waiter() {
    return waiter;
  }

  /** The process's register of requests being served, for a drain. */
  public OpenExchanges exchanges() {
    return exchanges;
  }

  ResilienceConfig resilience() {
    return resilience;
  }

  public long clientStallMs() {
    return clientStallMs;
  }

  QuotaAlarm quota() {
    return quota;
  }

  public InteractionSink interactions() {
    return interactions;
  }

  public Tracer tracer() {
    return tracer;
  }
}
