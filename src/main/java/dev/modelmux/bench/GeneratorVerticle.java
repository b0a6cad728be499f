package dev.modelmux.bench;

import dev.modelmux.bench.Result.ModeResult;
import dev.modelmux.bench.Result.Percentiles;
import dev.modelmux.bench.Result.TargetResult;
import dev.modelmux.bench.Scenario.Mode;
import dev.modelmux.bench.Scenario.SchedulerKind;
import dev.modelmux.core.SseEvent;
import dev.modelmux.stream.SseParser;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;

/**
 * The open-loop generator. Everything that touches requests or histograms runs on this verticle's single
 * event-loop context, so nothing is shared or locked; only the PARK scheduler thread lives outside it and
 * talks to it through one volatile counter ({@link #due}) and one "drain already posted" flag.
 *
 * <p>Request i is intended to leave at {@code t0 + i / rate}, whatever happened to earlier requests; its
 * latency is taken from that intended time, so a stalled target (or generator) is charged for every request
 * it delayed (no coordinated omission).
 *
 * <p>Fairness between targets: one continuous schedule at the full rate is cut into phases, and the phases
 * alternate between targets (A B | B A | A B ...). We do NOT send to both targets at rate/2 at once: on a
 * 2-core box the direct requests would compete for CPU with the gateway while it is being measured (and
 * the gateway's upstream calls with the direct ones), and each target would be measured at half the stated
 * rate. Alternating short phases measures each target alone at exactly the stated rate, while the frequent
 * switches (and the ABBA order, which cancels any first/second bias) spread slow drifts — JIT, GC, CPU
 * frequency, noisy neighbours — evenly over both. Every target gets exactly the same number of requests.
 */
final class GeneratorVerticle extends VerticleBase {
  private static final long MAX_MICROS = TimeUnit.SECONDS.toMicros(120);
  private static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(200);
  private static final long LATE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
  private static final Handler<Buffer> DISCARD = b -> { };
  static final String STREAM_CUT = "stream ended without [DONE] or message_stop";

  /** A stretch of the schedule: requests [first, first + count) go to one target in one mode. */
  record Phase(int target, Mode mode, long first, long count, boolean recorded, int round) {
    long end() {
      return first + count;
    }
  }

  /** Counters and histograms of one (mode, target) pair; only touched on the event loop. */
  static final class Recorder {
    final Histogram latency = new Histogram(MAX_MICROS, 3);
    final Histogram total = new Histogram(MAX_MICROS, 3);
    /** The same, one (auto-resizing, so small) histogram per round: the spread between rounds estimates noise. */
    final Histogram[] roundLatency;
    final Histogram[] roundTotal;
    final Map<String, Long> kinds = new LinkedHashMap<>();
    long requests;
    long ok;
    long non200;
    long errors;
    long inFlight;
    long spanNanos;
    long intervals;

    Recorder(int rounds) {
      roundLatency = new Histogram[rounds];
      roundTotal = new Histogram[rounds];
      for (int i = 0; i < rounds; i++) {
        roundLatency[i] = new Histogram(3);
        roundTotal[i] = new Histogram(3);
      }
    }

    List<Percentiles> byRound(boolean totals) {
      List<Percentiles> out = new ArrayList<>();
      for (Histogram h : totals ? roundTotal : roundLatency) {
        out.add(Percentiles.ofMicros(h));
      }
      return List.copyOf(out);
    }
  }

  private final Scenario scenario;
  private final Promise<Result> result;
  private final Consumer<String> progress;

  private HttpClientAgent client;
  private RequestOptions[] requestOptions;
  private Buffer[][] bodies;
  private Recorder[][] recorders;
  private Histogram[] lag;
  private long[] lateSends;
  private Phase[] phases;
  private Mode[] warmupModes;
  private long total;
  private double intervalNanos;
  private long t0;

  private int phaseIdx;
  private long next;
  private long phaseFirstSend;
  private long inFlight;
  private boolean allSent;
  private boolean finished;
  private long periodicId = -1;
  private long drainTimerId = -1;

  private volatile long due;
  private volatile boolean stopped;
  private final AtomicBoolean drainPosted = new AtomicBoolean();
  private final Handler<Void> drainTask = v -> {
    drainPosted.set(false);
    sendUpTo(due);
  };
  private Thread schedulerThread;

  GeneratorVerticle(Scenario scenario, Promise<Result> result, Consumer<String> progress) {
    this.scenario = scenario;
    this.result = result;
    this.progress = progress == null ? s -> { } : progress;
  }

  Future<Result> result() {
    return result.future();
  }

  @Override
  public Future<?> start() {
    int n = scenario.targets().size();
    int connections = scenario.connections();
    client = vertx.createHttpClient(
        new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true).setPipelining(false)
            .setDecompressionSupported(false).setConnectTimeout((int) Math.min(Integer.MAX_VALUE,
                scenario.drainTimeout().toMillis())),
        new PoolOptions().setHttp1MaxSize(connections).setMaxWaitQueueSize(-1));
    requestOptions = new RequestOptions[n];
    for (int t = 0; t < n; t++) {
      RequestOptions o = new RequestOptions().setMethod(HttpMethod.POST)
          .setAbsoluteURI(scenario.targets().get(t).url().toString())
          .setIdleTimeout(scenario.drainTimeout().toMillis())
          .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
          .putHeader(HttpHeaders.ACCEPT, "application/json, text/event-stream");
      scenario.headers().forEach(o::putHeader);
      requestOptions[t] = o;
    }
    Mode[] all = Mode.values();
    bodies = new Buffer[all.length][n];
    recorders = new Recorder[all.length][n];
    lag = new Histogram[all.length];
    lateSends = new long[all.length];
    for (Mode m : all) {
      lag[m.ordinal()] = new Histogram(MAX_MICROS, 3);
      for (int t = 0; t < n; t++) {
        bodies[m.ordinal()][t] = scenario.bodyFor(m, t).toBuffer();
        recorders[m.ordinal()][t] = new Recorder(scenario.modes().contains(m) ? scenario.rounds() : 0);
      }
    }
    warmupModes = scenario.modes().toArray(new Mode[0]);
    phases = plan(scenario).toArray(new Phase[0]);
    total = phases.length == 0 ? 0 : phases[phases.length - 1].end();
    intervalNanos = 1e9 / scenario.rate();
    announce(0);
    t0 = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(10);
    if (scenario.scheduler() != SchedulerKind.TIMER) {
      schedulerThread = new Thread(this::parkLoop, "modelmux-bench-scheduler");
      schedulerThread.setDaemon(true);
      schedulerThread.setPriority(Thread.MAX_PRIORITY);
      schedulerThread.start();
    } else {
      periodicId = vertx.setPeriodic(1, id -> sendDueBy(System.nanoTime()));
    }
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    stopped = true;
    if (schedulerThread != null) {
      LockSupport.unpark(schedulerThread);
    }
    if (periodicId >= 0) {
      vertx.cancelTimer(periodicId);
    }
    return client == null ? Future.succeededFuture() : client.close();
  }

  /** The phases of a run: warmup (all targets and modes, request by request), then per mode the rounds. */
  static List<Phase> plan(Scenario s) {
    List<Phase> out = new ArrayList<>();
    long at = 0;
    long warm = s.warmupRequests();
    if (warm > 0) {
      out.add(new Phase(-1, null, at, warm, false, -1));
      at += warm;
    }
    int n = s.targets().size();
    long perPhase = s.requestsPerPhase();
    for (Mode m : s.modes()) {
      for (int r = 0; r < s.rounds(); r++) {
        for (int k = 0; k < n; k++) {
          int target = r % 2 == 0 ? k : n - 1 - k; // A B | B A | A B ...
          out.add(new Phase(target, m, at, perPhase, true, r));
          at += perPhase;
        }
      }
    }
    return out;
  }

  private long intended(long i) {
    return t0 + (long) (i * intervalNanos);
  }

  /** PARK/SPIN scheduler: a plain thread waits until each intended time and wakes the event loop. */
  private void parkLoop() {
    long spin = scenario.scheduler() == SchedulerKind.SPIN ? SPIN_NANOS : 0;
    for (long i = 0; i < total; i++) {
      long at = intended(i);
      long wait;
      while ((wait = at - System.nanoTime()) > spin) {
        LockSupport.parkNanos(wait - spin);
        if (stopped) {
          return;
        }
      }
      while (at - System.nanoTime() > 0) {
        Thread.onSpinWait();
      }
      due = i + 1;
      if (!drainPosted.getAndSet(true)) {
        context.runOnContext(drainTask);
      }
    }
  }

  /** TIMER scheduler: send everything whose intended time is not after {@code now}. */
  private void sendDueBy(long now) {
    while (next < total && intended(next) - now <= 0) {
      sendOne(next++);
    }
  }

  private void sendUpTo(long dueExclusive) {
    while (next < dueExclusive) {
      sendOne(next++);
    }
  }

  private void sendOne(long i) {
    if (finished) {
      return;
    }
    Phase p = phases[phaseIdx];
    if (i >= p.end()) {
      p = phases[++phaseIdx];
      announce(phaseIdx);
    }
    int target;
    Mode mode;
    if (p.target() < 0) {
      int combo = (int) (i % ((long) warmupModes.length * requestOptions.length));
      target = combo % requestOptions.length;
      mode = warmupModes[combo / requestOptions.length];
    } else {
      target = p.target();
      mode = p.mode();
    }
    long intended = intended(i);
    long now = System.nanoTime();
    Recorder r = null;
    if (p.recorded()) {
      r = recorders[mode.ordinal()][target];
      r.requests++;
      r.inFlight++;
      long late = now - intended;
      lag[mode.ordinal()].recordValue(micros(late));
      if (late > LATE_NANOS) {
        lateSends[mode.ordinal()]++;
      }
      if (i == p.first()) {
        phaseFirstSend = now;
      }
      if (i == p.end() - 1) {
        r.spanNanos += now - phaseFirstSend;
        r.intervals += p.count() - 1;
      }
    }
    inFlight++;
    Buffer body = bodies[mode.ordinal()][target];
    client.request(requestOptions[target])
        .compose(req -> req.send(body))
        .onComplete(new Call(r, mode, intended, p.round()));
    if (i == total - 1) {
      allSent = true;
      drainTimerId = vertx.setTimer(scenario.drainTimeout().toMillis() + 1000, id -> finish());
      checkDone();
    }
  }

  /** Reports the start of the warmup and of each mode's measurement (not every phase). */
  private void announce(int idx) {
    Phase p = phases[idx];
    Phase prev = idx == 0 ? null : phases[idx - 1];
    if (prev == null || p.recorded() != prev.recorded() || p.mode() != prev.mode()) {
      progress.accept(p.recorded()
          ? String.format("measuring %s: %d targets x %d rounds x %d requests at %.0f req/s", p.mode().label(),
              requestOptions.length, scenario.rounds(), scenario.requestsPerPhase(), scenario.rate())
          : String.format("warming up: %d requests at %.0f req/s, not recorded", p.count(), scenario.rate()));
    }
  }

  private static long micros(long nanos) {
    return nanos <= 0 ? 0 : Math.min(MAX_MICROS, nanos / 1000);
  }

  private void checkDone() {
    if (allSent && inFlight == 0) {
      finish();
    }
  }

  private void finish() {
    if (finished) {
      return;
    }
    finished = true;
    if (drainTimerId >= 0) {
      vertx.cancelTimer(drainTimerId);
    }
    if (periodicId >= 0) {
      vertx.cancelTimer(periodicId);
      periodicId = -1;
    }
    result.tryComplete(buildResult());
  }

  private Result buildResult() {
    List<ModeResult> modes = new ArrayList<>();
    for (Mode m : scenario.modes()) {
      List<TargetResult> ts = new ArrayList<>();
      for (int t = 0; t < requestOptions.length; t++) {
        Recorder r = recorders[m.ordinal()][t];
        long unfinished = r.inFlight;
        Map<String, Long> kinds = new LinkedHashMap<>(r.kinds);
        if (unfinished > 0) {
          kinds.merge("unfinished at end of run", unfinished, Long::sum);
        }
        double achieved = r.intervals > 0 && r.spanNanos > 0 ? r.intervals * 1e9 / r.spanNanos : Double.NaN;
        boolean stream = m == Mode.STREAM;
        ts.add(new TargetResult(scenario.targets().get(t).name(), r.requests, r.ok, r.non200,
            r.errors + unfinished, Map.copyOf(kinds), achieved, Percentiles.ofMicros(r.latency),
            stream ? Percentiles.ofMicros(r.total) : Percentiles.EMPTY, r.byRound(false),
            stream ? r.byRound(true) : List.of()));
      }
      List<String> baselines = new ArrayList<>();
      for (int t = 0; t < requestOptions.length; t++) {
        baselines.add(scenario.baselineOf(t));
      }
      List<Result.OverheadCheck> checks = new ArrayList<>();
      for (Scenario.OverheadSpec spec : scenario.overheadChecks()) {
        checks.add(Result.OverheadCheck.of(spec, ts, baselines, m == Mode.STREAM));
      }
      modes.add(new ModeResult(m, List.copyOf(ts), Result.compare(ts, baselines, false),
          m == Mode.STREAM ? Result.compare(ts, baselines, true) : List.of(),
          Percentiles.ofMicros(lag[m.ordinal()]), lateSends[m.ordinal()], List.copyOf(checks)));
    }
    return new Result(scenario.rate(), scenario.duration().toNanos() / 1e9, scenario.rounds(), List.copyOf(modes));
  }

  /** One request's life: response head, then body (plain) or SSE events (stream). */
  private final class Call implements Handler<AsyncResult<HttpClientResponse>> {
    private final Recorder r;
    private final Mode mode;
    private final long intended;
    private final int round;
    private boolean done;
    private long ttft = -1;

    Call(Recorder r, Mode mode, long intended, int round) {
      this.r = r;
      this.mode = mode;
      this.intended = intended;
      this.round = round;
    }

    @Override
    public void handle(AsyncResult<HttpClientResponse> ar) {
      if (ar.failed()) {
        fail(kind(ar.cause()));
        return;
      }
      HttpClientResponse resp = ar.result();
      resp.exceptionHandler(e -> fail(kind(e)));
      int status = resp.statusCode();
      if (status != 200) {
        resp.handler(DISCARD);
        resp.endHandler(v -> non200(status));
      } else if (mode == Mode.PLAIN) {
        resp.handler(DISCARD);
        resp.endHandler(v -> succeed(System.nanoTime() - intended, 0));
      } else {
        SseParser parser = new SseParser(this::event);
        resp.handler(chunk -> {
          try {
            parser.handle(chunk);
          } catch (RuntimeException e) {
            fail("malformed stream: " + e.getClass().getSimpleName());
            resp.request().reset();
          }
        });
        resp.endHandler(v -> fail(STREAM_CUT));
      }
    }

    /**
     * One SSE event of either dialect. OpenAI: content in {@code choices[0].delta.content}, end at
     * {@code data: [DONE]}. Anthropic: content in a {@code content_block_delta}'s {@code delta.text}, end at
     * {@code message_stop}. Errors: an {@code error} event, or an {@code "error"} member in the data.
     */
    private void event(SseEvent e) {
      if (done) {
        return;
      }
      String data = e.data();
      String name = e.event();
      if ("[DONE]".equals(data) || "message_stop".equals(name)) {
        if (ttft < 0) {
          fail("no content event before the end of the stream");
        } else {
          succeed(ttft, System.nanoTime() - intended);
        }
        return;
      }
      if ("error".equals(name)) {
        fail("in-band error event");
        return;
      }
      boolean anthropicDelta = "content_block_delta".equals(name);
      boolean maybeContent = ttft < 0 && (anthropicDelta ? data.contains("\"text\"") : data.contains("\"content\""));
      boolean maybeError = data.contains("\"error\"");
      if (!maybeContent && !maybeError) {
        return;
      }
      long now = System.nanoTime();
      JsonObject json;
      try {
        json = new JsonObject(data);
      } catch (RuntimeException ex) {
        fail("event is not JSON");
        return;
      }
      if (json.containsKey("error")) {
        fail("in-band error event");
        return;
      }
      if (maybeContent && (anthropicDelta ? hasAnthropicText(json) : hasContent(json))) {
        ttft = now - intended;
      }
    }

    private void succeed(long latencyNanos, long totalNanos) {
      if (done) {
        return;
      }
      done = true;
      inFlight--;
      if (r != null) {
        r.inFlight--;
        r.ok++;
        r.latency.recordValue(micros(latencyNanos));
        r.roundLatency[round].recordValue(micros(latencyNanos));
        if (mode == Mode.STREAM) {
          r.total.recordValue(micros(totalNanos));
          r.roundTotal[round].recordValue(micros(totalNanos));
        }
      }
      checkDone();
    }

    private void non200(int status) {
      if (done) {
        return;
      }
      done = true;
      inFlight--;
      if (r != null) {
        r.inFlight--;
        r.non200++;
        r.kinds.merge("HTTP " + status, 1L, Long::sum);
      }
      checkDone();
    }

    private void fail(String kind) {
      if (done) {
        return;
      }
      done = true;
      inFlight--;
      if (r != null) {
        r.inFlight--;
        r.errors++;
        r.kinds.merge(kind, 1L, Long::sum);
      }
      checkDone();
    }
  }

  /** True when {@code choices[0].delta.content} is a non-empty string. */
  static boolean hasContent(JsonObject chunk) {
    Object choices = chunk.getValue("choices");
    if (!(choices instanceof JsonArray arr) || arr.isEmpty() || !(arr.getValue(0) instanceof JsonObject c0)) {
      return false;
    }
    Object delta = c0.getValue("delta");
    return delta instanceof JsonObject d && d.getValue("content") instanceof String s && !s.isEmpty();
  }

  /** True when an Anthropic {@code content_block_delta}'s {@code delta.text} is a non-empty string. */
  static boolean hasAnthropicText(JsonObject event) {
    return event.getValue("delta") instanceof JsonObject d && d.getValue("text") instanceof String s && !s.isEmpty();
  }

  private static String kind(Throwable t) {
    String msg = t.getMessage();
    String name = t.getClass().getSimpleName();
    if (msg == null || msg.isBlank()) {
      return name;
    }
    return name + ": " + (msg.length() > 80 ? msg.substring(0, 80) + "..." : msg);
  }
}
