package dev.modelmux;

import dev.modelmux.api.ClientAuth;
import dev.modelmux.bench.LoadGenerator;
import dev.modelmux.config.ConfigException;
import dev.modelmux.config.GatewayConfig;
import dev.modelmux.config.Transport;
import dev.modelmux.emulator.Emulator;
import dev.modelmux.emulator.EmulatorConfig;
import dev.modelmux.server.ModelMux;
import dev.modelmux.server.Shutdown;
import dev.modelmux.server.Tracing;
import dev.modelmux.server.TracingConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** One jar, several commands: the gateway, the provider emulator alone, the load generator, the prompt regression suites. */
@Command(name = "modelmux", mixinStandardHelpOptions = true, version = "modelmux 0.1.0",
    description = "LLM gateway: routes OpenAI- and Anthropic-style completion requests across provider deployments.",
    subcommands = {Main.Serve.class, Main.EmulatorCommand.class, LoadGenerator.class, EvalCommand.class, ReplayCommand.class})
public final class Main {

  public static void main(String[] args) {
    System.exit(new CommandLine(new Main()).execute(args));
  }

  @Command(name = "serve", mixinStandardHelpOptions = true, description = "Run the gateway.")
  static final class Serve implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "YAML configuration file.")
    Path config;

    @Option(names = "--port", description = "Listen port (overrides server.port).")
    Integer port;

    @Override
    public Integer call() throws Exception {
      GatewayConfig loaded;
      VertxOptions options;
      try {
        loaded = ModelMux.configLoader(System::getenv).load(config);
        options = Transport.options(new VertxOptions(), System::getenv);
      } catch (ConfigException e) {
        System.err.println("modelmux: invalid configuration: " + e.getMessage());
        return 2;
      }
      GatewayConfig effective = port == null ? loaded : loaded.withPort(port);
      // One registry for Vert.x's pool metrics and the gateway's, scraped at GET /metrics. Vert.x's per-request HTTP meters
      // are off, server and client: they look meters up by tags on every request, and the gateway's own meters already
      // count requests (modelmux_requests_total), connections (modelmux_connections_*) and every upstream call (attempts).
      PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
      MicrometerMetricsOptions metrics = new MicrometerMetricsOptions().setEnabled(true)
          .addDisabledMetricsCategory(MetricsDomain.HTTP_SERVER).addDisabledMetricsCategory(MetricsDomain.HTTP_CLIENT);
      TracingConfig tracing = effective.section(TracingConfig.SECTION, TracingConfig.class).filter(TracingConfig::enabled).orElse(null);
      OpenTelemetrySdk otel = tracing == null ? null : Tracing.sdk(tracing);
      var builder = Vertx.builder().withMetrics(new MicrometerMetricsFactory(registry));
      options.setMetricsOptions(metrics);
      Vertx vertx = otel == null ? builder.with(options).build() : Tracing.vertx(builder, options, otel);
      if (otel != null) {
        Runtime.getRuntime().addShutdownHook(new Thread(otel::close));
      }
      ModelMux mux;
      try {
        mux = ModelMux.start(vertx, effective, registry, ClientAuth.LOOPBACK, otel).toCompletionStage()
            .toCompletableFuture().get();
      } catch (ExecutionException e) {
        System.err.println("modelmux: failed to start: " + Ports.explain(e.getCause(), effective));
        vertx.close();
        return 1;
      }
      return Shutdown.awaitDrained(vertx, mux, effective.server().drainMs());
    }
  }

  @Command(name = "emulator", mixinStandardHelpOptions = true, description = "Run the provider emulator alone.")
  static final class EmulatorCommand implements Callable<Integer> {
    @Option(names = "--port", defaultValue = "9099", description = "Listen port (default ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--host", defaultValue = "0.0.0.0", description = "Listen address (default ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--config", description = "Take the emulated models from this file's emulator section.")
    Path config;

    @Override
    public Integer call() throws Exception {
      EmulatorConfig emulator;
      VertxOptions options;
      try {
        options = Transport.options(new VertxOptions(), System::getenv);
        emulator = config == null ? new EmulatorConfig(host, port, EmulatorConfig.defaultModels()) : settings(config, host, port);
      } catch (ConfigException e) {
        System.err.println("modelmux emulator: invalid configuration: " + e.getMessage());
        return 2;
      }
      EmulatorConfig settings = emulator;
      return runUntilStopped(Vertx.vertx(options), vertx -> Emulator.start(vertx, settings).<Void>map(emu -> {
        System.out.println("modelmux emulator listening on " + host + ":" + emu.port() + " (transport "
            + Transport.describe(vertx) + ")");
        return null;
      }).recover(e -> Future.failedFuture(Ports.isAddressInUse(e)
          ? new IllegalStateException("port " + port + " (--port) is already in use; stop what holds it or choose another port")
          : e)));
    }

    /**
     * The emulator of {@code file}'s emulator: section (a file holding only that section, or a whole gateway config, whose
     * other sections are not read) on {@code host}:{@code port}.
     */
    static EmulatorConfig settings(Path file, String host, int port) {
      return ModelMux.configLoader(name -> null).loadSection(file, EmulatorConfig.SECTION, EmulatorConfig.class)
          .orElseThrow(() -> new ConfigException("emulator", file + " has no emulator: section (the models to emulate)"))
          .at(host, port);
    }
  }

  private static int runUntilStopped(Vertx vertx, Function<Vertx, Future<Void>> starter) throws Exception {
    CompletableFuture<Void> started = starter.apply(vertx).toCompletionStage().toCompletableFuture();
    try {
      started.get();
    } catch (ExecutionException e) {
      System.err.println("modelmux: failed to start: " + e.getCause().getMessage());
      vertx.close();
      return 1;
    }
    CompletableFuture<Void> stopped = new CompletableFuture<>();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      vertx.close().toCompletionStage().toCompletableFuture().join();
      stopped.complete(null);
    }));
    stopped.join();
    return 0;
  }
}
