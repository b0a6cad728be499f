package dev.modelmux.bench;

import dev.modelmux.bench.Result.ModeResult;
import dev.modelmux.bench.Result.Percentiles;
import dev.modelmux.bench.Result.TargetResult;
import dev.modelmux.bench.Scenario.Mode;
import dev.modelmux.bench.Scenario.SchedulerKind;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import java.util.ArrayList;
import java.util.List;
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
  private static final long SPIN_NANOS = TimeUnit.MICROSECONDS.toNanos(200);
  private static final long LATE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

  /** A stretch of the schedule: requests [first, first + count) go to one target in one mode. */
  record Phase(int target, Mode mode, long first, long count, boolean recorded, int round) {
    long end() {
      return first + count;
    }
  }

  private final Scenario scenario;
  private final Promise<Result> result;
  private final Consumer<String> progress;

  private HttpClientAgent client;
  private RequestTemplates requests;
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
    client = RequestTemplates.client(vertx, scenario);
    requests = new RequestTemplates(scenario);
    Mode[] all = Mode.values();
    recorders = new Recorder[all.length][n];
    lag = new Histogram[all.length];
    lateSends = new long[all.length];
    for (Mode m : all) {
      lag[m.ordinal()] = new Histogram(Recorder.MAX_MICROS, 3);
      for (int t = 0; t < n; t++) {
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
      int combo = (int) (i % ((long) warmupModes.length * requests.targets()));
      target = combo % requests.targets();
      mode = warmupModes[combo / requests.targets()];
    } else {
      target = p.target();
      mode = p.mode();
    }
    long intended = intended(i);
    long now = System.nanoTime();
    Recorder r = null;
    if (p.recorded()) {
      r = recorders[mode.ordinal()][target];
      r.sent();
      long late = now - intended;
      lag[mode.ordinal()].recordValue(Recorder.micros(late));
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
    Buffer body = requests.body(mode, target);
    client.request(requests.options[target])
        .compose(req -> req.send(body))
        .onComplete(new ResponseReader(mode, intended, new Call(r, mode, p.round())));
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
              requests.targets(), scenario.rounds(), scenario.requestsPerPhase(), scenario.rate())
          : String.format("warming up: %d requests at %.0f req/s, not recorded", p.count(), scenario.rate()));
    }
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
      for (int t = 0; t < requests.targets(); t++) {
        Recorder r = recorders[m.ordinal()][t];
        double achieved = r.intervals > 0 && r.spanNanos > 0 ? r.intervals * 1e9 / r.spanNanos : Double.NaN;
        ts.add(r.toResult(scenario.targets().get(t).name(), achieved, m == Mode.STREAM));
      }
      modes.add(ModeResults.of(scenario, m, ts, Percentiles.ofMicros(lag[m.ordinal()]), lateSends[m.ordinal()]));
    }
    return new Result(scenario.rate(), scenario.duration().toNanos() / 1e9, scenario.rounds(), List.copyOf(modes));
  }

  /** Books one request's outcome: on its recorder when it was sent in a measured phase, always on inFlight. */
  private final class Call implements ResponseReader.Outcome {
    private final Recorder r;
    private final Mode mode;
    private final int round;

    Call(Recorder r, Mode mode, int round) {
      this.r = r;
      this.mode = mode;
      this.round = round;
    }

    @Override
    public void succeeded(long latencyNanos, long totalNanos) {
      if (r != null) {
        r.succeeded(round, latencyNanos, totalNanos, mode == Mode.STREAM);
      }
      ended();
    }

    @Override
    public void non200(int status) {
      if (r != null) {
        r.non200(status);
      }
      ended();
    }

    @Override
    public void failed(String kind) {
      if (r != null) {
        r.failed(kind);
      }
      ended();
    }

    private void ended() {
      inFlight--;
      checkDone();
    }
  }
}
