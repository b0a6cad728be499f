package dev.modelmux;

import dev.modelmux.config.ConfigException;
import dev.modelmux.config.DeploymentConfig;
import dev.modelmux.config.GatewayConfig;
import dev.modelmux.config.Price;
import dev.modelmux.config.PromptsConfig;
import dev.modelmux.eval.EvalCase;
import dev.modelmux.eval.EvalCases;
import dev.modelmux.eval.EvalRunner;
import dev.modelmux.eval.Replay;
import dev.modelmux.interactions.InteractionLog;
import dev.modelmux.interactions.InteractionStore;
import dev.modelmux.interactions.InteractionsConfig;
import dev.modelmux.interactions.ReplayInputs;
import dev.modelmux.interactions.Since;
import dev.modelmux.prompts.Catalog;
import dev.modelmux.prompts.PromptRepository;
import dev.modelmux.prompts.Task;
import dev.modelmux.prompts.Variant;
import dev.modelmux.server.ModelMux;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code replay}: the stored inputs of a task's calls, sent again with a candidate variant (through an in-process
 * gateway whose prompt repository has the candidate in place of the variant of the same name), compared with what
 * they answered before.
 */
@Command(name = "replay", mixinStandardHelpOptions = true,
    description = {"Re-send a task's logged calls rendered with a candidate variant; print old vs new output, assertions, tokens, cost.",
        "Exit 0 unless the candidate passes fewer cases (of those with assertions) than the logged answers; 2 on bad input."})
final class ReplayCommand implements Callable<Integer> {
  @Option(names = "--config", required = true, description = "The gateway's config (its interactions: and prompts: sections).")
  Path config;

  @Option(names = "--task", required = true, description = "The task whose calls to replay.")
  String task;

  @Option(names = "--variant", required = true, description = "The candidate variant file; it replaces the task's variant of the same file name.")
  Path variant;

  @Option(names = "--since", defaultValue = "7d", description = "How far back (7d, 12h, a date; default ${DEFAULT-VALUE}).")
  String since;

  @Option(names = "--where", description = "key=value filters: verdict, deployment, language, prompt, route.")
  Map<String, String> where = new LinkedHashMap<>();

  @Option(names = "--limit", defaultValue = "100", description = "At most this many calls, newest first (default ${DEFAULT-VALUE}).")
  int limit;

  private final PrintStream stdout;
  private final PrintStream stderr;
  private final UnaryOperator<String> environment;

  ReplayCommand() {
    this(System.out, System.err, System::getenv);
  }

  ReplayCommand(PrintStream stdout, PrintStream stderr, UnaryOperator<String> environment) {
    this.stdout = stdout;
    this.stderr = stderr;
    this.environment = environment;
  }

  @Override
  public Integer call() throws Exception {
    GatewayConfig loaded;
    try {
      loaded = ModelMux.configLoader(environment::apply).load(config);
    } catch (ConfigException e) {
      return bad("invalid configuration: " + e.getMessage());
    }
    InteractionsConfig log = loaded.section(InteractionsConfig.SECTION, InteractionsConfig.class).orElse(null);
    if (log == null || loaded.prompts().isEmpty()) {
      return bad(config + " needs an interactions: section (the log to replay) and a prompt repository");
    }
    long sinceMs;
    try {
      sinceMs = Since.parse(since, System.currentTimeMillis());
    } catch (IllegalArgumentException e) {
      return bad(e.getMessage());
    }
    Path prompts = loaded.prompts().get().dir();
    Path candidateRepo = Files.createTempDirectory("modelmux-replay-");
    try {
      copyTask(prompts.resolve(task), candidateRepo.resolve(task));
      Files.copy(variant, candidateRepo.resolve(task).resolve(variant.getFileName()), StandardCopyOption.REPLACE_EXISTING);
      Catalog catalog = new PromptRepository(candidateRepo, route -> loaded.routes().stream().anyMatch(r -> r.name().equals(route))).reload();
      if (!catalog.errors().isEmpty()) {
        return bad("the candidate does not load: " + catalog.errors());
      }
      Task candidateTask = catalog.tasks().get(task);
      if (candidateTask == null) {
        return bad("no task '" + task + "' in " + prompts);
      }
      List<EvalCase> cases = EvalCases.load(prompts.resolve(task), task);
      String stem = variant.getFileName().toString().replaceFirst("\\.ya?ml$", "");
      return run(loaded, log, candidateRepo, candidateTask, candidateTask.variant(stem), cases, sinceMs);
    } catch (ConfigException | IllegalArgumentException e) {
      return bad(e.getMessage());
    } finally {
      try (Stream<Path> files = Files.walk(candidateRepo)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private int run(GatewayConfig loaded, InteractionsConfig log, Path candidateRepo, Task candidateTask, Variant candidate,
      List<EvalCase> cases, long sinceMs) throws Exception {
    Map<String, Price> prices = new HashMap<>();
    Map<String, String> families = new HashMap<>();
    for (DeploymentConfig d : loaded.deployments()) {
      families.put(d.id(), d.family().toLowerCase(Locale.ROOT));
      if (d.price() != null) {
        prices.put(d.id(), d.price());
      }
    }
    List<String> served = loaded.routes().stream().filter(r -> r.name().equals(candidateTask.route()))
        .flatMap(r -> r.tiers().stream()).flatMap(List::stream).map(families::get).filter(f -> f != null
            && (candidate == null || candidateTask.variantFor(f) == candidate)).distinct().toList();
    if (served.isEmpty()) {
      return bad("the candidate serves no model family of route '" + candidateTask.route() + "'");
    }
    GatewayConfig gateway = loaded.privateLoopback().withoutSection(InteractionsConfig.SECTION)
        .withPrompts(new PromptsConfig(candidateRepo, 60_000));
    try {
      return replay(gateway, log, candidateTask, candidate, cases, sinceMs, prices, families, served);
    } catch (InProcess.StartFailed e) {
      stderr.println("modelmux replay: the gateway failed to start: " + e.getMessage());
      return 1;
    }
  }

  private int replay(GatewayConfig gateway, InteractionsConfig log, Task candidateTask, Variant candidate, List<EvalCase> cases,
      long sinceMs, Map<String, Price> prices, Map<String, String> families, List<String> served) throws Exception {
    return InProcess.quietly(vertx -> {
      InteractionStore store = InProcess.await(InteractionLog.openStore(vertx, log));
      JsonArray inputs;
      try {
        inputs = InProcess.await(ReplayInputs.select(store, task, sinceMs, where, limit));
      } finally {
        InProcess.await(store.close());
      }
      if (inputs.isEmpty()) {
        stdout.println("replay: no logged calls of task '" + task + "' since " + since + (where.isEmpty() ? "" : " where " + where));
        return 0;
      }
      return InProcess.withGateway(vertx, gateway, base -> {
        EvalRunner runner = new EvalRunner(base, null, prices, 1);
        List<Replay.Outcome> outcomes = new ArrayList<>();
        for (Object o : inputs) {
          JsonObject stored = (JsonObject) o;
          String logged = families.get(stored.getString("deployment"));
          // The call goes to the family it went to before, if the candidate serves it; else to one the candidate serves.
          String family = served.contains(logged) ? logged : served.get(0);
          Variant shown = candidate != null ? candidate : candidateTask.variantFor(family);
          Replay.Outcome outcome = Replay.one(runner, candidateTask, shown, stored, family, cases);
          outcomes.add(outcome);
          print(outcome);
        }
        return summary(outcomes);
      });
    });
  }

  private void print(Replay.Outcome o) {
    stdout.println(o.requestId() + " (" + (o.family() == null ? "any family" : o.family())
        + (o.verdict() == null ? "" : ", verdict " + o.verdict()) + ")");
    stdout.println("  " + (o.error() != null ? "new call failed: " + o.error() : o.diff()));
    stdout.println(String.format(Locale.ROOT, "  assertions %s   tokens %d -> %d   cost $%.6f -> $%.6f",
        o.assertions() == 0 ? "none" : o.passedBefore() + "/" + o.assertions() + " before, " + o.passedAfter() + "/" + o.assertions() + " after",
        o.oldTokens(), o.newTokens(), o.oldCost(), o.newCost()));
  }

  private int summary(List<Replay.Outcome> outcomes) {
    List<Replay.Outcome> checked = outcomes.stream().filter(o -> o.assertions() > 0).toList();
    long before = checked.stream().filter(o -> o.passedBefore() == o.assertions()).count();
    long after = checked.stream().filter(o -> o.error() == null && o.passedAfter() == o.assertions()).count();
    long oldTokens = outcomes.stream().mapToLong(Replay.Outcome::oldTokens).sum();
    long newTokens = outcomes.stream().mapToLong(Replay.Outcome::newTokens).sum();
    double oldCost = outcomes.stream().mapToDouble(Replay.Outcome::oldCost).sum();
    double newCost = outcomes.stream().mapToDouble(Replay.Outcome::newCost).sum();
    stdout.println(String.format(Locale.ROOT, "replay: %d calls, %d with assertions: %d passed before, %d with the candidate; "
        + "tokens %d -> %d; cost $%.6f -> $%.6f", outcomes.size(), checked.size(), before, after, oldTokens, newTokens, oldCost, newCost));
    if (after < before) {
      stdout.println("replay: the candidate passes fewer cases than the logged answers");
      return 1;
    }
    return 0;
  }

  private static void copyTask(Path from, Path to) throws IOException {
    if (!Files.isDirectory(from)) {
      throw new IllegalArgumentException("no task folder " + from);
    }
    Files.createDirectories(to);
    try (Stream<Path> files = Files.list(from)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        Files.copy(file, to.resolve(file.getFileName()));
      }
    }
  }

  private int bad(String problem) {
    stderr.println("modelmux replay: " + problem);
    return 2;
  }
}
