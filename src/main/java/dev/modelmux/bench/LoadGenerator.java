package dev.modelmux.bench;

import dev.modelmux.bench.Scenario.Mode;
import dev.modelmux.bench.Scenario.SchedulerKind;
import dev.modelmux.bench.Scenario.Target;
import dev.modelmux.config.Transport;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * HTTP load generator that measures the latency a gateway adds over calling its upstream directly, for plain
 * and streamed (time-to-first-token) chat completions: open loop at a fixed request rate, or closed loop
 * ({@code --closed-loop}: {@code --connections} requests always in flight) for the throughput each target holds.
 *
 * <p>Programmatic use: {@link #run(Vertx, Scenario)}. Command line: {@link #main(String[])}, or register this
 * class as a picocli subcommand (it is a {@code @Command(name = "bench")} {@link Callable}).
 *
 * <pre>
 * java -cp target/modelmux.jar dev.modelmux.bench.LoadGenerator \
 *   --target direct=http://127.0.0.1:9099/v1/chat/completions \
 *   --target gateway=http://127.0.0.1:8080/v1/chat/completions \
 *   --rate 1000 --duration 20 --warmup 15 --mode both --json target/bench.json
 * java -cp target/modelmux.jar dev.modelmux.bench.LoadGenerator --closed-loop --connections 256 \
 *   --target direct=http://127.0.0.1:9099/v1/chat/completions --duration 10 --warmup 10 --mode plain
 * </pre>
 *
 * Exit status: 0 all requests succeeded (and every --overhead-ratio check passed or was inconclusive), 3 some
 * requests failed or were not 200 (numbers are still printed), 4 an --overhead-ratio check failed, 1 the run
 * itself failed, 2 bad options.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Load generator: latency a gateway adds over its upstream, at a fixed rate (open loop), or the",
        "throughput it holds with --connections requests always in flight (--closed-loop).",
        "Open loop, latency is measured from each request's intended send time (no coordinated omission);",
        "closed loop, from its actual send.",
        "The first --target is the default baseline; every other target (and every target given one with",
        "--compare) gets 'added' and 'ratio' rows against its baseline."})
public final class LoadGenerator implements Callable<Integer> {

  @Option(names = "--target", required = true, paramLabel = "NAME=URL[@MODEL]",
      description = "Endpoint to measure (repeatable); the first is the default baseline, e.g. "
          + "direct=http://127.0.0.1:9099/v1/chat/completions. @MODEL sends that model to this target (else --model).")
  List<String> targets = new ArrayList<>();

  @Option(names = "--compare", paramLabel = "TARGET=BASELINE",
      description = "Compare TARGET against BASELINE instead of the first target (repeatable)")
  List<String> compare = new ArrayList<>();

  @Option(names = "--overhead-ratio", paramLabel = "[LABEL=]CANDIDATE/REFERENCE",
      description = "Check that what CANDIDATE adds over its baseline is at most --max-overhead-ratio times what "
          + "REFERENCE adds over its own (repeatable), e.g. 'cross-dialect translation=gateway-anthropic/gateway-openai'")
  List<String> overheadRatios = new ArrayList<>();

  @Option(names = "--max-overhead-ratio", defaultValue = "1.2",
      description = "Limit for --overhead-ratio (default ${DEFAULT-VALUE})")
  double maxOverheadRatio;

  @Option(names = "--rate", paramLabel = "REQ/S", defaultValue = "1000",
      description = "Intended requests per second, for every target (default ${DEFAULT-VALUE})")
  double rate;

  @Option(names = "--duration", paramLabel = "SECONDS", defaultValue = "10",
      description = "Measured seconds per target and mode, split into --rounds phases (default ${DEFAULT-VALUE})")
  double duration;

  @Option(names = "--warmup", paramLabel = "SECONDS", defaultValue = "10",
      description = "Unrecorded warm-up seconds over all targets and modes (default ${DEFAULT-VALUE})")
  double warmup;

  @Option(names = "--rounds", defaultValue = "10",
      description = "Alternating phases per target and mode (default ${DEFAULT-VALUE})")
  int rounds;

  @Option(names = "--mode", defaultValue = "both", description = "stream, plain or both (default ${DEFAULT-VALUE})")
  String mode;

  @Option(names = "--model", description = "The body's model (default: the --body-file's, else " + Scenario.DEFAULT_MODEL + ")")
  String model;

  @Option(names = "--body-file", paramLabel = "FILE", description = "JSON request body template; 'stream' is set per mode")
  Path bodyFile;

  @Option(names = "--connections", defaultValue = "64",
      description = "HTTP/1.1 keep-alive connections per target; with --closed-loop, the requests in flight "
          + "(default ${DEFAULT-VALUE})")
  int connections;

  @Option(names = "--closed-loop",
      description = "Closed loop: every connection sends its next request as soon as the previous one ends; "
          + "--rate and --scheduler are ignored, a target's rate/s is the successful requests per second it completed")
  boolean closedLoop;

  @Option(names = "--report-open", paramLabel = "SECONDS", defaultValue = "0",
      description = "With --closed-loop, print every SECONDS how many responses are open (200 head received, "
          + "not ended) (default ${DEFAULT-VALUE}: never)")
  double reportOpen;

  @Option(names = "--header", paramLabel = "NAME:VALUE", description = "Extra request header (repeatable)")
  List<String> headers = new ArrayList<>();

  @Option(names = "--scheduler", defaultValue = "park",
      description = "park (dedicated thread, parkNanos), spin (park, then busy-wait the last 0.2 ms: "
          + "on time but costs CPU) or timer (1 ms Vert.x periodic) (default ${DEFAULT-VALUE})")
  String scheduler;

  @Option(names = "--drain-timeout", paramLabel = "SECONDS", defaultValue = "30",
      description = "A request slower than this counts as an error (default ${DEFAULT-VALUE})")
  double drainTimeout;

  @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as JSON")
  Path json;

  /** Runs a scenario on {@code vertx} (on a verticle of its own); completes when every request has ended. */
  public static Future<Result> run(Vertx vertx, Scenario scenario) {
    return run(vertx, scenario, null);
  }

  /** As {@link #run(Vertx, Scenario)}, reporting the start of warm-up and of each mode to {@code progress}. */
  public static Future<Result> run(Vertx vertx, Scenario scenario, Consumer<String> progress) {
    return run(vertx, scenario, progress, Duration.ZERO);
  }

  /** As {@link #run(Vertx, Scenario, Consumer)}; a closed loop also reports its open responses every {@code reportOpenEvery}. */
  public static Future<Result> run(Vertx vertx, Scenario scenario, Consumer<String> progress, Duration reportOpenEvery) {
    if (scenario.closedLoop()) {
      ClosedLoopVerticle verticle = new ClosedLoopVerticle(scenario, Promise.promise(), progress, reportOpenEvery);
      return vertx.deployVerticle(verticle).compose(id -> verticle.result().eventually(() -> vertx.undeploy(id)));
    }
    GeneratorVerticle verticle = new GeneratorVerticle(scenario, Promise.promise(), progress);
    return vertx.deployVerticle(verticle)
        .compose(id -> verticle.result().eventually(() -> vertx.undeploy(id)));
  }

  /** Builds the scenario from the options; throws IllegalArgumentException naming the bad option. */
  public Scenario toScenario() throws IOException {
    List<Target> ts = new ArrayList<>(targets.stream().map(Target::parse).toList());
    for (String c : compare) {
      int eq = c.indexOf('=');
      if (eq <= 0 || eq == c.length() - 1) {
        throw new IllegalArgumentException("--compare must look like TARGET=BASELINE, got '" + c + "'");
      }
      String name = c.substring(0, eq).trim();
      String base = c.substring(eq + 1).trim();
      int i = ts.stream().map(Target::name).toList().indexOf(name);
      if (i < 0) {
        throw new IllegalArgumentException("--compare " + c + ": no target named '" + name + "'");
      }
      ts.set(i, ts.get(i).withBaseline(base));
    }
    List<Scenario.OverheadSpec> checks = new ArrayList<>();
    for (String o : overheadRatios) {
      checks.add(Scenario.OverheadSpec.parse(o, maxOverheadRatio));
    }
    JsonObject body = null;
    if (bodyFile != null) {
      try {
        body = new JsonObject(Files.readString(bodyFile));
      } catch (DecodeException e) {
        throw new IllegalArgumentException("--body-file " + bodyFile + ": not a JSON object: " + e.getMessage(), e);
      }
    }
    Map<String, String> hs = new LinkedHashMap<>();
    for (String h : headers) {
      int colon = h.indexOf(':');
      if (colon <= 0) {
        throw new IllegalArgumentException("--header must look like NAME:VALUE, got '" + h + "'");
      }
      hs.put(h.substring(0, colon).trim(), h.substring(colon + 1).trim());
    }
    SchedulerKind kind = switch (scheduler.trim().toLowerCase()) {
      case "park" -> SchedulerKind.PARK;
      case "spin" -> SchedulerKind.SPIN;
      case "timer" -> SchedulerKind.TIMER;
      default -> throw new IllegalArgumentException("--scheduler must be park, spin or timer, got '" + scheduler + "'");
    };
    return new Scenario(ts, rate, seconds(duration, "--duration"), seconds(warmup, "--warmup"), rounds,
        Mode.parseSet(mode), model, body, connections, kind, hs, seconds(drainTimeout, "--drain-timeout"), checks,
        closedLoop);
  }

  @Override
  public Integer call() throws Exception {
    PrintStream out = System.out;
    Scenario scenario;
    Duration reportOpenEvery;
    try {
      scenario = toScenario();
      reportOpenEvery = seconds(reportOpen, "--report-open");
    } catch (IllegalArgumentException e) {
      System.err.println("bench: " + e.getMessage());
      return 2;
    }
    // One event loop is all the generator uses; fewer threads = less noise on a small machine.
    Vertx vertx = Vertx.vertx(Transport.options(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(2)
        .setInternalBlockingPoolSize(2), System::getenv));
    try {
      System.err.printf("bench: %s, targets %s, %s%n", scenario.modes(), scenario.targetNames(),
          scenario.closedLoop() ? "closed loop over " + scenario.connections() + " connections"
              : "scheduler " + scenario.scheduler().name().toLowerCase());
      Result result = run(vertx, scenario, msg -> System.err.println("bench: " + msg), reportOpenEvery)
          .toCompletionStage().toCompletableFuture().get();
      out.print(result.format());
      out.flush();
      if (json != null) {
        Path parent = json.toAbsolutePath().getParent();
        if (parent != null) {
          Files.createDirectories(parent);
        }
        Files.writeString(json, result.toJson().encodePrettily() + "\n");
        System.err.println("bench: wrote " + json);
      }
      if (result.hasErrors()) {
        System.err.println("bench: some requests failed; percentiles cover successful requests only");
        return 3;
      }
      if (result.hasFailedChecks()) {
        System.err.println("bench: an --overhead-ratio check failed (see above)");
        return 4;
      }
      return 0;
    } catch (ExecutionException e) {
      System.err.println("bench: run failed: " + e.getCause());
      return 1;
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get();
    }
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new LoadGenerator()).execute(args));
  }

  private static Duration seconds(double s, String option) {
    if (Double.isNaN(s) || s < 0 || s > 86_400) {
      throw new IllegalArgumentException(option + " must be between 0 and 86400 seconds, got " + s);
    }
    return Duration.ofNanos(Math.round(s * 1e9));
  }
}
