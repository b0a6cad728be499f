package dev.modelmux.server;

import dev.modelmux.api.ClientAuth;
import dev.modelmux.breaker.Breakers;
import dev.modelmux.budget.BudgetStore;
import dev.modelmux.budget.BudgetStores;
import dev.modelmux.budget.Headroom;
import dev.modelmux.budget.LeasedBudgetStore;
import dev.modelmux.config.ConfigLoader;
import dev.modelmux.config.GatewayConfig;
import dev.modelmux.config.Transport;
import dev.modelmux.dispatch.Shared;
import dev.modelmux.emulator.Emulator;
import dev.modelmux.emulator.EmulatorConfig;
import dev.modelmux.exchange.OpenExchanges;
import dev.modelmux.interactions.CostsConfig;
import dev.modelmux.interactions.InteractionLog;
import dev.modelmux.interactions.InteractionsConfig;
import dev.modelmux.metrics.GatewayMetrics;
import dev.modelmux.prompts.PromptRepository;
import dev.modelmux.prompts.PromptWatcher;
import dev.modelmux.routing.Deployment;
import dev.modelmux.routing.RouteTable;
import dev.modelmux.tokens.TokenCounter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A running gateway: the built-in emulator when the config asks for one, then one front verticle per event loop. */
public final class ModelMux {
  private static final Logger LOG = LoggerFactory.getLogger(ModelMux.class);

  private final Vertx vertx;
  private final BudgetStore budgets;
  private final Emulator emulator;
  private final PromptWatcher promptWatcher;
  private final List<GatewayVerticle> fronts;
  private final String deploymentId;
  private final Drain drain;
  private final InteractionLog interactions;
  private Future<Void> closed;

  private ModelMux(Vertx vertx, BudgetStore budgets, Emulator emulator, List<GatewayVerticle> fronts, String deploymentId,
      Drain drain, PromptWatcher promptWatcher, InteractionLog interactions) {
    this.interactions = interactions;
    this.promptWatcher = promptWatcher;
    this.drain = drain;
    this.vertx = vertx;
    this.budgets = budgets;
    this.emulator = emulator;
    this.fronts = fronts;
    this.deploymentId = deploymentId;
  }

  /** Reads the gateway's config file, the in-process emulator's section included. */
  public static ConfigLoader configLoader(Function<String, String> environment) {
    return new ConfigLoader(environment).section(EmulatorConfig.SECTION, EmulatorConfig::parse)
        .section(InteractionsConfig.SECTION, InteractionsConfig::parse)
        .section(CostsConfig.SECTION, CostsConfig::parse)
        .section(TracingConfig.SECTION, TracingConfig::parse);
  }

  public static Future<ModelMux> start(Vertx vertx, GatewayConfig config) {
    return start(vertx, config, null);
  }

  /** @param registry the registry Vert.x's own metrics go to (the serve command's), or null for a fresh one */
  public static Future<ModelMux> start(Vertx vertx, GatewayConfig config, PrometheusMeterRegistry registry) {
    return start(vertx, config, registry, ClientAuth.LOOPBACK);
  }

  /** @param local decides which peers are on this host, for protected mode (a test passes its own to play a remote client) */
  public static Future<ModelMux> start(Vertx vertx, GatewayConfig config, PrometheusMeterRegistry registry,
      Predicate<SocketAddress> local) {
    return start(vertx, config, registry, local, null);
  }

  /** @param otel what attempts are traced with (the one the Vert.x instance traces with), or null when tracing is off */
  public static Future<ModelMux> start(Vertx vertx, GatewayConfig config, PrometheusMeterRegistry registry,
      Predicate<SocketAddress> local, OpenTelemetry otel) {
    ClientAuth auth = new ClientAuth(config.auth(), local);
    GatewayMetrics metrics = new GatewayMetrics(registry);
    RouteTable routes = new RouteTable(config, metrics);
    PromptRepository prompts = config.prompts().map(p -> new PromptRepository(p.dir(), name -> routes.resolve(name).isPresent()))
        .orElse(null);
    List<GatewayVerticle> fronts = new CopyOnWriteArrayList<>();
    Optional<EmulatorConfig> emulatorConfig = config.section(EmulatorConfig.SECTION, EmulatorConfig.class);
    Future<Emulator> emulator = emulatorConfig.isPresent() ? Emulator.startEmbedded(vertx, emulatorConfig.get()) : Future.succeededFuture(null);
    AtomicReference<PromptWatcher> watcher = new AtomicReference<>();
    AtomicReference<InteractionLog> openedLog = new AtomicReference<>();
    AtomicReference<BudgetStore> openedBudgets = new AtomicReference<>();
    return vertx.executeBlocking(() -> {
          TokenCounter.warmUp();
          if (prompts != null) {
            watcher.set(new PromptWatcher(vertx, prompts).start(config.prompts().get().pollMs()));
            LOG.info("prompt repository {}: {} tasks, {} files refused", prompts.dir(), prompts.catalog().tasks().size(),
                prompts.catalog().errors().size());
          }
          return null;
        })
        .compose(v -> interactionLog(vertx, config, metrics).onSuccess(openedLog::set))
        .compose(log -> emulator.compose(emu -> BudgetStores.create(vertx, config.redis()).onSuccess(openedBudgets::set).compose(budgets -> {
          Breakers breakers = BreakerReplicas.breakers(routes, budgets.signals(), (id, forMs) -> {
            budgets.pause(id, forMs);
            routes.deployment(id).meters().paused(true);
          }, config.resilience());
          watch(metrics, routes.deployments(), breakers, budgets);
          Shared shared = shared(vertx, config, routes, metrics, budgets, breakers, log, otel);
          LoadShedder shedder = new LoadShedder(config.server().maxInFlight(), metrics.registry());
          BodyBudget bodies = new BodyBudget(config.server().frontDoor().maxBodyBytesInFlight());
          AtomicReference<ModelMux> self = new AtomicReference<>();
          Drain drain = new Drain(vertx, config.server().drainDelayMs(), config.server().drainMs(),
              drainable(fronts, shared.exchanges(), shedder, routes.deployments(), self));
          Readiness readiness = new Readiness(drain::draining);
          metrics.gauge("modelmux_draining", "1 from the start of a drain (readiness is then 503)", () -> drain.draining() ? 1 : 0);
          return vertx.deployVerticle(() -> {
              GatewayVerticle front = new GatewayVerticle(config, shared, new ServerParts(auth, shedder, bodies, drain, readiness,
                  Optional.ofNullable(emu).map(Emulator::controls), Optional.ofNullable(prompts), Optional.ofNullable(log)));
              fronts.add(front);
              return front;
            }, new DeploymentOptions().setInstances(config.server().instances()))
            .map(id -> {
              ModelMux mux = new ModelMux(vertx, budgets, emu, fronts, id, drain, watcher.get(), log);
              self.set(mux);
              readiness.started();
              LOG.info("modelmux listening on {}:{} with {} deployments and {} routes{}, transport {}", config.server().host(),
                  mux.port(), config.deployments().size(), routes.names().size(),
                  emu == null ? "" : ", emulator on port " + emu.port(), Transport.describe(vertx));
              return mux;
            });
        })))
        .recover(failure -> closeStarted(emulator, watcher.get(), openedBudgets.get(), openedLog.get())
            .transform(closed -> Future.<ModelMux>failedFuture(failure)));
  }

  /**
   * The collaborators every request shares, recording to the interaction log when there is one and tracing when
   * {@code otel} is given.
   */
  private static Shared shared(Vertx vertx, GatewayConfig config, RouteTable routes, GatewayMetrics metrics, BudgetStore budgets,
      Breakers breakers, InteractionLog log, OpenTelemetry otel) {
    Shared shared = new Shared(vertx, routes, budgets, breakers, metrics, config.resilience(), config.server().clientStallMs());
    if (log != null) {
      shared = shared.recordingTo(log);
    }
    return otel == null ? shared : shared.tracedWith(otel.getTracer("dev.modelmux"));
  }

  /** After a failed start, what had started is closed before the failure is reported: the emulator holds its listener. */
  private static Future<Void> closeStarted(Future<Emulator> emulator, PromptWatcher watcher, BudgetStore budgets, InteractionLog log) {
    if (watcher != null) {
      watcher.stop();
    }
    List<Future<?>> closing = new ArrayList<>();
    closing.add(emulator.transform(started -> started.succeeded() && started.result() != null
        ? started.result().close() : Future.succeededFuture()));
    if (budgets != null) {
      closing.add(budgets.close());
    }
    if (log != null) {
      closing.add(log.close());
    }
    return Future.join(closing).mapEmpty();
  }

  /**
   * The interaction log, when configured. A store that cannot be opened does not stop the gateway: it serves without
   * the log, and says so loudly.
   */
  private static Future<InteractionLog> interactionLog(Vertx vertx, GatewayConfig config, GatewayMetrics metrics) {
    Optional<InteractionsConfig> settings = config.section(InteractionsConfig.SECTION, InteractionsConfig.class);
    if (settings.isEmpty()) {
      return Future.succeededFuture(null);
    }
    return InteractionLog.start(vertx, settings.get(), metrics.registry())
        .onSuccess(log -> LOG.info("interaction log: {} store, sampling {}, content {}", settings.get().store(), settings.get().sample(),
            settings.get().logContent() ? "kept" : "hashed"))
        .recover(e -> {
          LOG.error("interaction log: the {} store could not be opened ({}); serving without the log", settings.get().store(),
              e.getMessage());
          return Future.succeededFuture(null);
        });
  }

  /** The interaction log, or null when none is configured (or its store could not be opened). */
  public InteractionLog interactions() {
    return interactions;
  }

  /** What a drain acts on: the fronts' listeners, the open exchanges and upstream calls, and the gateway itself. */
  private static Drain.Gateway drainable(List<GatewayVerticle> fronts, OpenExchanges exchanges, LoadShedder shedder,
      List<Deployment> deployments, AtomicReference<ModelMux> self) {
    return new Drain.Gateway() {
      @Override
      public void stopAccepting(long graceMs) {
        fronts.forEach(front -> front.stopAccepting(graceMs));
      }

      @Override
      public boolean idle() {
        return shedder.inFlight() == 0 && exchanges.size() == 0 && deployments.stream().allMatch(d -> d.state().inFlight() == 0);
      }

      @Override
      public String open() {
        return shedder.inFlight() + " requests open, " + exchanges.size() + " being served, "
            + deployments.stream().mapToInt(d -> d.state().inFlight()).sum() + " upstream calls";
      }

      @Override
      public void cutOff() {
        exchanges.cutOff();
      }

      @Override
      public Future<Void> close() {
        return self.get().close();
      }
    };
  }

  /** Gauges read live state: breaker positions, budget headroom, in-flight calls, Redis availability. */
  private static void watch(GatewayMetrics metrics, List<Deployment> deployments, Breakers breakers, BudgetStore budgets) {
    for (Deployment d : deployments) {
      metrics.gauge("modelmux_breaker_state", "Circuit breaker: 0 closed, 1 half-open, 2 open", () -> switch (breakers.state(d.id())) {
        case CLOSED -> 0;
        case HALF_OPEN -> 1;
        case OPEN -> 2;
      }, "deployment", d.id());
      metrics.gauge("modelmux_budget_headroom_tokens", "Tokens left in the deployment's window, as last seen", () -> headroom(d, true),
          "deployment", d.id());
      metrics.gauge("modelmux_budget_headroom_requests", "Requests left in the deployment's window, as last seen",
          () -> headroom(d, false), "deployment", d.id());
      metrics.gauge("modelmux_in_flight", "Upstream calls in progress", () -> d.state().inFlight(), "deployment", d.id());
      if (budgets instanceof LeasedBudgetStore) {
        metrics.gauge("modelmux_budget_lease_held_tokens", "Tokens this replica holds by lease and has not spent",
            () -> leased(budgets, d, "heldTokens"), "deployment", d.id());
        metrics.gauge("modelmux_budget_lease_held_requests", "Requests this replica holds by lease and has not spent",
            () -> leased(budgets, d, "heldRequests"), "deployment", d.id());
        metrics.gauge("modelmux_budget_leased_tokens", "Tokens every replica's open leases hold, as Redis last said",
            () -> leased(budgets, d, "leasedTokens"), "deployment", d.id());
        metrics.gauge("modelmux_budget_leased_requests", "Requests every replica's open leases hold, as Redis last said",
            () -> leased(budgets, d, "leasedRequests"), "deployment", d.id());
        metrics.gauge("modelmux_budget_lease_trickle", "1 while little is left and leases shrink to single requests",
            () -> budgets.lease(d.id()).getBoolean("trickle") ? 1 : 0, "deployment", d.id());
      }
    }
    metrics.gauge("modelmux_budgets_shared", "1 while budgets are shared by the replicas through Redis; 0 on local budgets or shares",
        () -> budgets instanceof LeasedBudgetStore leased && leased.redisAvailable() ? 1 : 0);
    if (budgets instanceof LeasedBudgetStore leased) {
      metrics.gauge("modelmux_redis_available", "1 while budgets are shared through Redis, 0 while serving on local shares",
          () -> leased.redisAvailable() ? 1 : 0);
      metrics.counterFunction("modelmux_budget_lease_calls", "Lease calls this replica sent to Redis (rate() gives calls per second)",
          leased::leaseCalls);
    }
  }

  private static double leased(BudgetStore budgets, Deployment d, String field) {
    return budgets.lease(d.id()).getLong(field);
  }

  private static double headroom(Deployment d, boolean tokens) {
    Headroom h = d.state().headroom();
    if (h == null) {
      return tokens ? d.config().limits().tpm() : d.config().limits().rpm();
    }
    return tokens ? h.tokensLeft() : h.requestsLeft();
  }

  public int port() {
    return fronts.get(0).actualPort();
  }

  /** The admin listener's port, or -1 when /admin and /metrics are on the main listener (for loopback clients). */
  public int adminPort() {
    return fronts.get(0).adminPort();
  }

  /** The built-in emulator, or null when the config has none. */
  public Emulator emulator() {
    return emulator;
  }

  public BudgetStore budgets() {
    return budgets;
  }

  /** Starts a graceful drain (as SIGTERM or POST /admin/drain do); completes once it has closed the gateway. */
  public Future<Void> drain() {
    return drain.start();
  }

  /**
   * Ctrl-C at a console: as {@link #drain()}, but with nothing in flight the drain delay is skipped; it is for load
   * balancers, which a process without a console (a container, a service) may have even when stopped with SIGINT.
   */
  public Future<Void> interrupt() {
    return drain.start(true);
  }

  /** Completes when a drain, however started, has closed the gateway. */
  public Future<Void> drained() {
    return drain.finished();
  }

  /** Closes at once (what is open breaks off); a second call gets the first one's outcome. */
  public synchronized Future<Void> close() {
    if (closed == null) {
      if (promptWatcher != null) {
        promptWatcher.stop();
      }
      Future<Void> undeployed = vertx.undeploy(deploymentId).compose(v -> budgets.close())
          .compose(v -> interactions == null ? Future.succeededFuture() : interactions.close());
      closed = emulator == null ? undeployed : undeployed.compose(v -> emulator.close());
    }
    return closed;
  }
}
