package dev.modelmux;

import dev.modelmux.config.ConfigException;
import dev.modelmux.config.GatewayConfig;
import dev.modelmux.config.Loopback;
import dev.modelmux.config.Price;
import dev.modelmux.eval.Baseline;
import dev.modelmux.eval.CaseResult;
import dev.modelmux.eval.EvalPlan;
import dev.modelmux.eval.EvalReport;
import dev.modelmux.eval.EvalRunner;
import dev.modelmux.eval.EvalTarget;
import dev.modelmux.interactions.InteractionsConfig;
import dev.modelmux.prompts.Catalog;
import dev.modelmux.prompts.LoadError;
import dev.modelmux.prompts.PromptRepository;
import dev.modelmux.server.ModelMux;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code eval}: runs every task's hand-checked cases against every variant, on a deployment of the variant's family,
 * through the gateway (in-process from the same config, or a running one with {@code --url}).
 */
@Command(name = "eval", mixinStandardHelpOptions = true,
    description = {"Run the prompt repository's regression cases against every variant, through the gateway's routing.",
        "Exit 0 when all pass (with --baseline: when nothing regressed), 1 on a failure or regression, 2 on bad input."})
final class EvalCommand implements Callable<Integer> {
  @Option(names = "--config", required = true, description = "The gateway's YAML configuration (its prompts: section).")
  Path config;

  @Option(names = "--tasks", split = ",", description = "Only these tasks (comma-separated).")
  List<String> tasks = List.of();

  @Option(names = "--families", split = ",", description = "Only these model families (prefixes, comma-separated).")
  List<String> families = List.of();

  @Option(names = "--baseline", description = "An earlier run's eval.json: fail on a regression, report model changes.")
  Path baseline;

  @Option(names = "--out", defaultValue = "target/eval", description = "Where eval.json and junit/TEST-eval.xml go (default ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--url", description = "A running gateway to call instead of starting one in-process.")
  URI url;

  @Option(names = "--api-key-env", defaultValue = "MODELMUX_API_KEY",
      description = "With --url: the environment variable holding the client key (default ${DEFAULT-VALUE}).")
  String apiKeyEnv;

  @Option(names = "--operator-key-env", defaultValue = "MODELMUX_OPERATOR_KEY",
      description = {"With --url: the environment variable holding an operator key (admin: true) (default ${DEFAULT-VALUE}).",
          "When set, eval calls with it instead of the client key, so the gateway takes the calls as eval traffic: logged "
              + "with the run id but left out of /admin/costs and the review queue. A gateway without an auth section "
              + "does so for loopback callers without a key."})
  String operatorKeyEnv;

  @Option(names = "--parallel", defaultValue = "4", description = "Cases in flight at once (default ${DEFAULT-VALUE}).")
  int parallel;

  private final PrintStream stdout;
  private final PrintStream stderr;
  private final UnaryOperator<String> environment;

  EvalCommand() {
    this(System.out, System.err, System::getenv);
  }

  EvalCommand(PrintStream stdout, PrintStream stderr, UnaryOperator<String> environment) {
    this.stdout = stdout;
    this.stderr = stderr;
    this.environment = environment;
  }

  @Override
  public Integer call() throws Exception {
    if (url != null && keyOverPlainHttp()) {
      stderr.println("modelmux eval: refusing to send the key in " + operatorKeyEnv + " or " + apiKeyEnv + " over plain http to "
          + url.getHost() + ", which is not loopback: use an https:// --url");
      return 2;
    }
    GatewayConfig loaded;
    try {
      loaded = ModelMux.configLoader(environment::apply).load(config);
    } catch (ConfigException e) {
      stderr.println("modelmux eval: invalid configuration: " + e.getMessage());
      return 2;
    }
    if (loaded.prompts().isEmpty()) {
      stderr.println("modelmux eval: " + config + " has no prompt repository (a prompts: section, or a prompts/ folder beside it)");
      return 2;
    }
    Path dir = loaded.prompts().get().dir();
    Catalog catalog = new PromptRepository(dir, route -> loaded.routes().stream().anyMatch(r -> r.name().equals(route))).reload();
    if (!catalog.errors().isEmpty()) {
      catalog.errors().stream().map(LoadError::toString).forEach(e -> stderr.println("modelmux eval: " + e));
      return 2;
    }
    List<EvalTarget> targets;
    try {
      targets = EvalPlan.targets(loaded, catalog, dir, new HashSet<>(tasks), families);
    } catch (ConfigException e) {
      stderr.println("modelmux eval: invalid test case: " + e.getMessage());
      return 2;
    }
    if (targets.stream().allMatch(t -> t.cases().isEmpty())) {
      stderr.println("modelmux eval: no cases to run (tasks " + (tasks.isEmpty() ? "all" : tasks) + ", families "
          + (families.isEmpty() ? "all" : families) + ")");
      return 2;
    }
    JsonObject before = null;
    if (baseline != null) {
      try {
        before = new JsonObject(Files.readString(baseline));
      } catch (IOException | RuntimeException e) {
        stderr.println("modelmux eval: cannot read the baseline " + baseline + ": " + e.getMessage());
        return 2;
      }
    }
    Map<String, Price> prices = new HashMap<>();
    loaded.deployments().stream().filter(d -> d.price() != null).forEach(d -> prices.put(d.id(), d.price()));
    EvalReport report = url != null
        ? remote(targets, prices)
        : inProcess(loaded.privateLoopback().withoutSection(InteractionsConfig.SECTION), targets, prices);
    if (report == null) {
      return 1;
    }
    stdout.print(report.table());
    write(report);
    if (before == null) {
      return report.allPassed() ? 0 : 1;
    }
    Baseline.Comparison comparison = Baseline.compare(before, report);
    comparison.modelChanges().forEach(c -> stdout.println("MODEL CHANGED " + c));
    comparison.regressions().forEach(r -> stdout.println("REGRESSION " + r));
    stdout.println(comparison.regressed() ? "eval: regressions against " + baseline : "eval: no regression against " + baseline);
    return comparison.regressed() ? 1 : 0;
  }

  /** Runs the cases through the gateway at --url, tagged as eval traffic; says so, and says when the tag was not honoured. */
  private EvalReport remote(List<EvalTarget> targets, Map<String, Price> prices) throws InterruptedException {
    String operatorKey = blankToNull(environment.apply(operatorKeyEnv));
    String key = operatorKey != null ? operatorKey : blankToNull(environment.apply(apiKeyEnv));
    String run = EvalRunner.newRunId(Instant.now());
    stdout.println("eval: run " + run + " against " + url + " (x-modelmux-eval: " + run + ")");
    EvalRunner runner = new EvalRunner(url, key, prices, parallel, run);
    EvalReport report = new EvalReport(runner.run(targets));
    if (runner.untaggedCalls() > 0) {
      stderr.println("modelmux eval: " + url + " took " + runner.untaggedCalls() + " call(s) as ordinary traffic, not eval "
          + "traffic: they count in its /admin/costs and review queue. A gateway with an auth section honours x-modelmux-eval "
          + "from an operator key (admin: true) only: set " + operatorKeyEnv + " to one.");
    }
    return report;
  }

  /** A key would go to --url in clear over the network: plain http to a host other than this machine's loopback. */
  private boolean keyOverPlainHttp() {
    boolean hasKey = blankToNull(environment.apply(operatorKeyEnv)) != null || blankToNull(environment.apply(apiKeyEnv)) != null;
    return hasKey && !"https".equalsIgnoreCase(url.getScheme()) && !Loopback.isLoopback(url.getHost());
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }

  private EvalReport inProcess(GatewayConfig gateway, List<EvalTarget> targets, Map<String, Price> prices) throws Exception {
    try {
      return InProcess.quietly(vertx -> InProcess.withGateway(vertx, gateway,
          base -> new EvalReport(new EvalRunner(base, null, prices, parallel).run(targets))));
    } catch (InProcess.StartFailed e) {
      stderr.println("modelmux eval: the gateway failed to start: " + e.getMessage());
      return null;
    }
  }

  private void write(EvalReport report) throws IOException {
    Files.createDirectories(out.resolve("junit"));
    Files.writeString(out.resolve("eval.json"), report.json().encodePrettily(), StandardCharsets.UTF_8);
    Files.writeString(out.resolve("junit").resolve("TEST-eval.xml"), report.junitXml(), StandardCharsets.UTF_8);
    long known = report.results().stream().filter(r -> r.isKnownFailing() && !r.passed()).count();
    stdout.println("eval: " + report.results().stream().filter(CaseResult::passed).count() + "/" + report.results().size()
        + " cases passed" + (known > 0 ? " (" + known + " failed as known failing, which does not fail the run)" : "") + "; wrote " + out.resolve("eval.json") + " and " + out.resolve("junit").resolve("TEST-eval.xml"));
  }
}
