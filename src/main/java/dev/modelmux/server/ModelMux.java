package dev.modelmux.server;

import dev.modelmux.budget.BudgetStore;
import dev.modelmux.budget.BudgetStores;
import dev.modelmux.config.GatewayConfig;
import dev.modelmux.emulator.Emulator;
import dev.modelmux.gateway.CapacityWaiter;
import dev.modelmux.metrics.GatewayMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import dev.modelmux.resilience.Breakers;
import dev.modelmux.routing.RouteTable;
import dev.modelmux.tokens.TokenCounter;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A running gateway: the built-in emulator when the config asks for one, then one front verticle per event loop. */
public final class ModelMux {
  private static final Logger LOG = LoggerFactory.getLogger(ModelMux.class);

  private final Vertx vertx;
  private final BudgetStore budgets;
  private final Emulator emulator;
  private final List<GatewayVerticle> fronts;
  private final String deploymentId;

  private ModelMux(Vertx vertx, BudgetStore budgets, Emulator emulator, List<GatewayVerticle> fronts, String deploymentId) {
    this.vertx = vertx;
    this.budgets = budgets;
    this.emulator = emulator;
    this.fronts = fronts;
    this.deploymentId = deploymentId;
  }

  public static Future<ModelMux> start(Vertx vertx, GatewayConfig config) {
    return start(vertx, config, null);
  }

  /** @param registry the registry Vert.x's own metrics go to (the serve command's), or null for a fresh one */
  public static Future<ModelMux> start(Vertx vertx, GatewayConfig config, PrometheusMeterRegistry registry) {
    GatewayMetrics metrics = new GatewayMetrics(registry);
    RouteTable routes = new RouteTable(config);
    List<GatewayVerticle> fronts = new CopyOnWriteArrayList<>();
    Future<Emulator> emulator = config.emulator().isPresent()
        ? Emulator.start(vertx, config.emulator().get())
        : Future.succeededFuture(null);
    return vertx.executeBlocking(() -> {
          TokenCounter.warmUp();
          return null;
        })
        .compose(v -> emulator)
        .compose(emu -> BudgetStores.create(vertx, config.redis()).compose(budgets -> {
          Breakers breakers = new Breakers(vertx, routes.deployments(), budgets, metrics, config.resilience());
          metrics.watch(routes.deployments(), breakers, budgets);
          CapacityWaiter waiter = new CapacityWaiter(vertx, budgets);
          return vertx.deployVerticle(() -> {
              GatewayVerticle front = new GatewayVerticle(config, routes, budgets, waiter, breakers, metrics);
              fronts.add(front);
              return front;
            }, new DeploymentOptions().setInstances(config.server().instances()))
            .map(id -> {
              ModelMux mux = new ModelMux(vertx, budgets, emu, fronts, id);
              LOG.info("modelmux listening on {}:{} with {} deployments and {} routes{}", config.server().host(), mux.port(),
                  config.deployments().size(), routes.names().size(), emu == null ? "" : ", emulator on port " + emu.port());
              return mux;
            });
        }));
  }

  public int port() {
    return fronts.get(0).actualPort();
  }

  /** The built-in emulator, or null when the config has none. */
  public Emulator emulator() {
    return emulator;
  }

  public BudgetStore budgets() {
    return budgets;
  }

  public Future<Void> close() {
    Future<Void> undeployed = vertx.undeploy(deploymentId).compose(v -> budgets.close());
    return emulator == null ? undeployed : undeployed.compose(v -> emulator.close());
  }
}
