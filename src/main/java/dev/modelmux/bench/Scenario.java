package dev.modelmux.bench;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What one load-generator run does. Validated on construction so a bad option fails before any request
 * is sent, with a message that names the option.
 *
 * @param targets      the endpoints to compare; each is compared against its {@link Target#baseline()}, by
 *                     default the FIRST target
 * @param rate         intended requests per second (open loop, the same for every target)
 * @param duration     measured time per target and per mode (split into {@code rounds} phases)
 * @param warmup       unrecorded time at the start, cycling through every target and mode
 * @param rounds       how many measured phases each target gets per mode (targets alternate, ABBA order)
 * @param modes        {@link Mode#PLAIN} and/or {@link Mode#STREAM}, measured in that order
 * @param model        the body's {@code model}; null keeps the one in {@code body} (or "gpt-4" if it has none)
 * @param body         request body template, or null for a minimal chat request; {@code stream} is set per mode
 * @param connections  HTTP/1.1 keep-alive pool size per target
 * @param scheduler    how intended send times are turned into sends
 * @param headers      extra request headers (e.g. Authorization)
 * @param drainTimeout how long a request may take before it counts as a timeout error
 * @param overheadChecks ratios of one target's added latency to another's, each with a pass limit
 * @param closedLoop   instead of a fixed rate, {@code connections} requests in flight at all times: each
 *                     connection sends its next request as soon as the previous one ends ({@code rate} unused)
 */
public record Scenario(
    List<Target> targets,
    double rate,
    Duration duration,
    Duration warmup,
    int rounds,
    Set<Mode> modes,
    String model,
    JsonObject body,
    int connections,
    SchedulerKind scheduler,
    Map<String, String> headers,
    Duration drainTimeout,
    List<OverheadSpec> overheadChecks,
    boolean closedLoop) {

  public static final String DEFAULT_MODEL = "gpt-4";
  public static final int DEFAULT_MAX_TOKENS = 16;

  /**
   * One endpoint under test, e.g. {@code direct=http://127.0.0.1:9099/v1/chat/completions}.
   *
   * @param model    the {@code model} this target's requests carry, or null for the scenario's
   * @param baseline the name of the target this one is compared against, or null for the first target
   */
  public record Target(String name, URI url, String model, String baseline) {
    public Target {
      Objects.requireNonNull(name, "target name");
      Objects.requireNonNull(url, "target url");
      if (name.isBlank()) {
        throw new IllegalArgumentException("--target: empty name in '" + name + "=" + url + "'");
      }
      String scheme = url.getScheme();
      if (!"http".equals(scheme) && !"https".equals(scheme) || url.getHost() == null) {
        throw new IllegalArgumentException("--target " + name + ": not an http(s) URL: " + url);
      }
      if (model != null && model.isBlank()) {
        throw new IllegalArgumentException("--target " + name + ": empty model after '@'");
      }
      if (baseline != null && baseline.equals(name)) {
        throw new IllegalArgumentException("--compare " + name + ": a target cannot be its own baseline");
      }
    }

    public Target(String name, URI url) {
      this(name, url, null, null);
    }

    /** Parses {@code NAME=URL} or {@code NAME=URL@MODEL} (the model is what follows the last '@' after the path). */
    public static Target parse(String spec) {
      int eq = spec.indexOf('=');
      if (eq <= 0 || eq == spec.length() - 1) {
        throw new IllegalArgumentException("--target must look like NAME=URL or NAME=URL@MODEL, got '" + spec + "'");
      }
      String rest = spec.substring(eq + 1).trim();
      String model = null;
      int at = rest.lastIndexOf('@');
      int path = rest.indexOf('/', rest.indexOf("//") + 2);
      if (at >= 0 && path >= 0 && at > path) { // an '@' before the path would be URL user info
        model = rest.substring(at + 1).trim();
        rest = rest.substring(0, at).trim();
      }
      try {
        return new Target(spec.substring(0, eq).trim(), URI.create(rest), model, null);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--target '" + spec + "': " + e.getMessage(), e);
      }
    }

    public Target withBaseline(String b) {
      return new Target(name, url, model, b);
    }
  }

  /**
   * "The latency {@code candidate} adds over its baseline must not exceed {@code limit} times what
   * {@code reference} adds over its own", e.g. cross-dialect gateway overhead vs same-dialect gateway overhead.
   */
  public record OverheadSpec(String label, String candidate, String reference, double limit) {
    public OverheadSpec {
      Objects.requireNonNull(candidate, "candidate");
      Objects.requireNonNull(reference, "reference");
      if (candidate.equals(reference)) {
        throw new IllegalArgumentException("--overhead-ratio: candidate and reference are both '" + candidate + "'");
      }
      if (!(limit > 0)) {
        throw new IllegalArgumentException("--max-overhead-ratio must be > 0, got " + limit);
      }
      label = label == null || label.isBlank() ? "overhead " + candidate + " / " + reference : label.trim();
    }

    /** Parses {@code [LABEL=]CANDIDATE/REFERENCE}. */
    public static OverheadSpec parse(String spec, double limit) {
      int eq = spec.indexOf('=');
      String label = eq > 0 ? spec.substring(0, eq) : null;
      String pair = spec.substring(eq + 1);
      int slash = pair.indexOf('/');
      if (slash <= 0 || slash == pair.length() - 1) {
        throw new IllegalArgumentException("--overhead-ratio must look like [LABEL=]CANDIDATE/REFERENCE, got '" + spec + "'");
      }
      return new OverheadSpec(label, pair.substring(0, slash).trim(), pair.substring(slash + 1).trim(), limit);
    }
  }

  public enum Mode {
    PLAIN, STREAM;

    public String label() {
      return name().toLowerCase();
    }

    /** {@code plain}, {@code stream} or {@code both}. */
    public static Set<Mode> parseSet(String s) {
      return switch (s.trim().toLowerCase()) {
        case "plain" -> EnumSet.of(PLAIN);
        case "stream" -> EnumSet.of(STREAM);
        case "both" -> EnumSet.of(PLAIN, STREAM);
        default -> throw new IllegalArgumentException("--mode must be stream, plain or both, got '" + s + "'");
      };
    }
  }

  /**
   * PARK: a dedicated non-event-loop thread parks (LockSupport.parkNanos) until each intended time and
   * wakes the generator's event loop, which sends everything due. Cheap; parkNanos wakes ~0.1 ms late.
   * SPIN: like PARK but parks only until 0.2 ms before the intended time and busy-waits the rest: wakes on
   * time (p50 lag ~0) at the cost of ~10% of a core at 1000 req/s, which the targets then do not get.
   * TIMER: a 1 ms Vert.x periodic timer on the event loop sends everything whose intended time has passed
   * (coarse: NIO timers have millisecond granularity, so sends are up to ~1 ms late and bunched).
   */
  public enum SchedulerKind { PARK, SPIN, TIMER }

  public Scenario {
    targets = List.copyOf(Objects.requireNonNull(targets, "targets"));
    if (targets.isEmpty()) {
      throw new IllegalArgumentException("--target: at least one is required");
    }
    Set<String> names = new HashSet<>();
    for (Target t : targets) {
      if (!names.add(t.name())) {
        throw new IllegalArgumentException("--target: duplicate name '" + t.name() + "'");
      }
    }
    for (Target t : targets) {
      if (t.baseline() != null && !names.contains(t.baseline())) {
        throw new IllegalArgumentException("--compare " + t.name() + "=" + t.baseline() + ": no target named '"
            + t.baseline() + "'");
      }
    }
    if (!(rate > 0) || rate > 1_000_000) {
      throw new IllegalArgumentException("--rate must be in (0, 1000000] req/s, got " + rate);
    }
    requirePositive(duration, "--duration");
    Objects.requireNonNull(warmup, "warmup");
    if (warmup.isNegative()) {
      throw new IllegalArgumentException("--warmup must be >= 0");
    }
    if (rounds < 1) {
      throw new IllegalArgumentException("--rounds must be >= 1, got " + rounds);
    }
    modes = modes == null || modes.isEmpty() ? EnumSet.of(Mode.PLAIN, Mode.STREAM) : EnumSet.copyOf(modes);
    if (connections < 1) {
      throw new IllegalArgumentException("--connections must be >= 1, got " + connections);
    }
    scheduler = scheduler == null ? SchedulerKind.PARK : scheduler;
    headers = headers == null ? Map.of() : Map.copyOf(headers);
    drainTimeout = drainTimeout == null ? Duration.ofSeconds(30) : drainTimeout;
    requirePositive(drainTimeout, "--drain-timeout");
    body = body == null ? null : body.copy();
    overheadChecks = overheadChecks == null ? List.of() : List.copyOf(overheadChecks);
    for (OverheadSpec o : overheadChecks) {
      for (String t : List.of(o.candidate(), o.reference())) {
        if (!names.contains(t)) {
          throw new IllegalArgumentException("--overhead-ratio " + o.candidate() + "/" + o.reference()
              + ": no target named '" + t + "'");
        }
      }
    }
    if (!closedLoop && requestsPerPhase(rate, duration, rounds) < 1) {
      throw new IllegalArgumentException("--rate x --duration / --rounds gives phases with no request; "
          + "raise --rate or --duration or lower --rounds");
    }
  }

  public Scenario withClosedLoop(boolean c) {
    return new Scenario(targets, rate, duration, warmup, rounds, modes, model, body, connections, scheduler, headers,
        drainTimeout, overheadChecks, c);
  }

  public Scenario withOverheadChecks(List<OverheadSpec> o) {
    return new Scenario(targets, rate, duration, warmup, rounds, modes, model, body, connections, scheduler, headers,
        drainTimeout, o, closedLoop);
  }

  /** A scenario with the usual defaults: 10 s measured, 5 s warmup, 10 rounds, both modes, 64 connections. */
  public static Scenario of(List<Target> targets, double rate) {
    return new Scenario(targets, rate, Duration.ofSeconds(10), Duration.ofSeconds(5), 10,
        EnumSet.of(Mode.PLAIN, Mode.STREAM), null, null, 64, SchedulerKind.PARK, Map.of(), Duration.ofSeconds(30), List.of(),
        false);
  }

  public Scenario withDuration(Duration d) {
    return new Scenario(targets, rate, d, warmup, rounds, modes, model, body, connections, scheduler, headers, drainTimeout,
        overheadChecks, closedLoop);
  }

  public Scenario withWarmup(Duration w) {
    return new Scenario(targets, rate, duration, w, rounds, modes, model, body, connections, scheduler, headers, drainTimeout,
        overheadChecks, closedLoop);
  }

  public Scenario withRounds(int r) {
    return new Scenario(targets, rate, duration, warmup, r, modes, model, body, connections, scheduler, headers, drainTimeout,
        overheadChecks, closedLoop);
  }

  public Scenario withModes(Set<Mode> m) {
    return new Scenario(targets, rate, duration, warmup, rounds, m, model, body, connections, scheduler, headers, drainTimeout,
        overheadChecks, closedLoop);
  }

  public Scenario withScheduler(SchedulerKind s) {
    return new Scenario(targets, rate, duration, warmup, rounds, modes, model, body, connections, s, headers, drainTimeout,
        overheadChecks, closedLoop);
  }

  public Scenario withConnections(int c) {
    return new Scenario(targets, rate, duration, warmup, rounds, modes, model, body, c, scheduler, headers, drainTimeout,
        overheadChecks, closedLoop);
  }

  /** The {@code model} every request carries (null keeps the body's). */
  public Scenario withModel(String m) {
    return new Scenario(targets, rate, duration, warmup, rounds, modes, m, body, connections, scheduler, headers, drainTimeout,
        overheadChecks, closedLoop);
  }

  /** The request body template (null for a minimal chat request). */
  public Scenario withBody(JsonObject b) {
    return new Scenario(targets, rate, duration, warmup, rounds, modes, model, b, connections, scheduler, headers, drainTimeout,
        overheadChecks, closedLoop);
  }

  /** Requests each target gets in one measured phase. */
  public long requestsPerPhase() {
    return requestsPerPhase(rate, duration, rounds);
  }

  /** Requests each target gets per mode (all its phases together). */
  public long requestsPerTargetAndMode() {
    return requestsPerPhase() * rounds;
  }

  public long warmupRequests() {
    return Math.round(rate * warmup.toNanos() / 1e9);
  }

  /** The body sent to target {@code t} in {@code mode}: {@link #bodyFor(Mode)} with the target's model, if it names one. */
  public JsonObject bodyFor(Mode mode, int t) {
    JsonObject b = bodyFor(mode);
    String m = targets.get(t).model();
    if (m != null) {
      b.put("model", m);
    }
    return b;
  }

  /** The name of the target that target {@code t} is compared against (the first target unless set). */
  public String baselineOf(int t) {
    String b = targets.get(t).baseline();
    return b != null ? b : targets.get(0).name();
  }

  /**
   * The exact body sent in {@code mode}: the template (or a minimal chat request) with model and stream set,
   * and {@code max_tokens} ({@value #DEFAULT_MAX_TOKENS}) added when the template has none (Anthropic requires it).
   */
  public JsonObject bodyFor(Mode mode) {
    JsonObject b = body != null ? body.copy() : new JsonObject()
        .put("messages", new JsonArray()
            .add(new JsonObject().put("role", "user").put("content", "Say hello.")))
        .put("max_tokens", DEFAULT_MAX_TOKENS);
    if (!b.containsKey("max_tokens")) {
      b.put("max_tokens", DEFAULT_MAX_TOKENS);
    }
    if (model != null) {
      b.put("model", model);
    } else if (!b.containsKey("model")) {
      b.put("model", DEFAULT_MODEL);
    }
    b.put("stream", mode == Mode.STREAM);
    // field order does not matter to a server, but a stable "model" first reads better in logs
    Map<String, Object> ordered = new LinkedHashMap<>();
    ordered.put("model", b.getValue("model"));
    ordered.putAll(b.getMap());
    return new JsonObject(ordered);
  }

  public List<String> targetNames() {
    List<String> n = new ArrayList<>();
    targets.forEach(t -> n.add(t.name()));
    return n;
  }

  private static long requestsPerPhase(double rate, Duration duration, int rounds) {
    return Math.round(rate * duration.toNanos() / 1e9 / rounds);
  }

  private static void requirePositive(Duration d, String option) {
    Objects.requireNonNull(d, option);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(option + " must be > 0");
    }
  }
}
