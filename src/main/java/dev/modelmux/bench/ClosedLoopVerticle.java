package dev.modelmux.bench;

import dev.modelmux.bench.Result.ModeResult;
import dev.modelmux.bench.Result.Percentiles;
import dev.modelmux.bench.Result.TargetResult;
import dev.modelmux.bench.Scenario.Mode;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The closed-loop generator: {@code connections} requests in flight at all times, each connection sending its
 * next request as soon as the previous one ends, so the targets set the rate. Everything runs on this
 * verticle's event loop.
 *
 * <p>Time is cut into windows: the warm-up (every target and mode in turn, request by request, unrecorded),
 * then per mode {@code rounds} windows per target in ABBA order, as in the open loop, so each target is
 * measured alone on the machine. A window sends only while it is open; the next starts once every request of
 * the last has ended. A target's rate is its successful requests over its windows' spans (window start to its
 * last request's end); latencies are taken from each request's actual send.
 */
final class ClosedLoopVerticle extends VerticleBase {

  /** One stretch of time: every connection sends to {@code target} in {@code mode} (warm-up: target -1). */
  record Window(int target, Mode mode, long nanos, boolean recorded, int round) {
  }

  private final Scenario scenario;
  private final Promise<Result> result;
  private final Consumer<String> progress;
  private final Duration reportOpenEvery;

  private HttpClientAgent client;
  private RequestTemplates requests;
  private Recorder[][] recorders;
  private Window[] windows;
  private Mode[] warmupModes;

  private int windowIdx = -1;
  private long windowStart;
  private long windowEnd;
  private long lastEnd;
  private long warmupSent;
  private long inFlight;
  private long open;
  private long peakOpen;
  private long endedRequests;
  private boolean finished;
  private long reportTimerId = -1;

  ClosedLoopVerticle(Scenario scenario, Promise<Result> result, Consumer<String> progress, Duration reportOpenEvery) {
    this.scenario = scenario;
    this.result = result;
    this.progress = progress == null ? s -> { } : progress;
    this.reportOpenEvery = reportOpenEvery;
  }

  Future<Result> result() {
    return result.future();
  }

  @Override
  public Future<?> start() {
    client = RequestTemplates.client(vertx, scenario);
    requests = new RequestTemplates(scenario);
    recorders = new Recorder[Mode.values().length][requests.targets()];
    for (Mode m : Mode.values()) {
      for (int t = 0; t < requests.targets(); t++) {
        recorders[m.ordinal()][t] = new Recorder(scenario.modes().contains(m) ? scenario.rounds() : 0);
      }
    }
    warmupModes = scenario.modes().toArray(new Mode[0]);
    windows = plan(scenario).toArray(new Window[0]);
    if (reportOpenEvery != null && !reportOpenEvery.isZero()) {
      reportTimerId = vertx.setPeriodic(Math.max(1, reportOpenEvery.toMillis()), id -> reportOpen());
    }
    vertx.runOnContext(v -> nextWindow());
    return Future.succeededFuture();
  }

  @Override
  public Future<?> stop() {
    finished = true;
    return client == null ? Future.succeededFuture() : client.close();
  }

  /** The windows of a run: the warm-up, then per mode the rounds, targets alternating A B | B A | ... */
  static List<Window> plan(Scenario s) {
    List<Window> out = new ArrayList<>();
    if (!s.warmup().isZero()) {
      out.add(new Window(-1, null, s.warmup().toNanos(), false, -1));
    }
    int n = s.targets().size();
    long perWindow = s.duration().toNanos() / s.rounds();
    for (Mode m : s.modes()) {
      for (int r = 0; r < s.rounds(); r++) {
        for (int k = 0; k < n; k++) {
          out.add(new Window(r % 2 == 0 ? k : n - 1 - k, m, perWindow, true, r));
        }
      }
    }
    return out;
  }

  private void nextWindow() {
    if (finished) {
      return;
    }
    if (windowIdx >= 0 && windows[windowIdx].recorded()) {
      Window done = windows[windowIdx];
      recorders[done.mode().ordinal()][done.target()].spanNanos += lastEnd - windowStart;
    }
    if (++windowIdx == windows.length) {
      finish();
      return;
    }
    announce();
    windowStart = System.nanoTime();
    windowEnd = windowStart + windows[windowIdx].nanos();
    for (int c = 0; c < scenario.connections(); c++) {
      send();
    }
  }

  private void announce() {
    Window w = windows[windowIdx];
    Window prev = windowIdx == 0 ? null : windows[windowIdx - 1];
    if (!w.recorded()) {
      progress.accept(String.format("warming up: %.1f s over %d connections, not recorded", w.nanos() / 1e9,
          scenario.connections()));
    } else if (prev == null || !prev.recorded() || prev.mode() != w.mode()) {
      progress.accept(String.format("measuring %s: %d targets x %d rounds x %.2f s, closed loop over %d connections",
          w.mode().label(), requests.targets(), scenario.rounds(), w.nanos() / 1e9, scenario.connections()));
    }
  }

  private void send() {
    Window w = windows[windowIdx];
    int target = w.target();
    Mode mode = w.mode();
    if (target < 0) {
      int combo = (int) (warmupSent++ % ((long) warmupModes.length * requests.targets()));
      target = combo % requests.targets();
      mode = warmupModes[combo / requests.targets()];
    }
    Recorder r = w.recorded() ? recorders[mode.ordinal()][target] : null;
    if (r != null) {
      r.sent();
    }
    inFlight++;
    long start = System.nanoTime();
    Buffer body = requests.body(mode, target);
    client.request(requests.options[target])
        .compose(req -> req.send(body))
        .onComplete(new ResponseReader(mode, start, new Connection(r, mode, w.round())));
  }

  /** A request of {@code windowIdx} ended: send the next while the window is open, else maybe start the next. */
  private void ended() {
    inFlight--;
    endedRequests++;
    lastEnd = System.nanoTime();
    if (finished) {
      return;
    }
    if (lastEnd < windowEnd) {
      send();
    } else if (inFlight == 0) {
      nextWindow();
    }
  }

  private void reportOpen() {
    progress.accept(String.format("open: %d responses (200 head received, not ended), peak %d, ended %d", open,
        peakOpen, endedRequests));
  }

  private void finish() {
    finished = true;
    if (reportTimerId >= 0) {
      vertx.cancelTimer(reportTimerId);
      reportOpen();
    }
    result.tryComplete(buildResult());
  }

  private Result buildResult() {
    List<ModeResult> modes = new ArrayList<>();
    for (Mode m : scenario.modes()) {
      List<TargetResult> ts = new ArrayList<>();
      for (int t = 0; t < requests.targets(); t++) {
        Recorder r = recorders[m.ordinal()][t];
        double achieved = r.spanNanos > 0 ? r.ok * 1e9 / r.spanNanos : Double.NaN;
        ts.add(r.toResult(scenario.targets().get(t).name(), achieved, m == Mode.STREAM));
      }
      modes.add(ModeResults.of(scenario, m, ts, Percentiles.EMPTY, 0));
    }
    return new Result(Double.NaN, scenario.duration().toNanos() / 1e9, scenario.rounds(), List.copyOf(modes),
        scenario.connections());
  }

  /** Books one request's outcome, then lets the connection go on. */
  private final class Connection implements ResponseReader.Outcome {
    private final Recorder r;
    private final Mode mode;
    private final int round;
    private boolean opened;

    Connection(Recorder r, Mode mode, int round) {
      this.r = r;
      this.mode = mode;
      this.round = round;
    }

    @Override
    public void opened() {
      opened = true;
      peakOpen = Math.max(peakOpen, ++open);
    }

    @Override
    public void succeeded(long latencyNanos, long totalNanos) {
      if (r != null) {
        r.succeeded(round, latencyNanos, totalNanos, mode == Mode.STREAM);
      }
      close();
    }

    @Override
    public void non200(int status) {
      if (r != null) {
        r.non200(status);
      }
      close();
    }

    @Override
    public void failed(String kind) {
      if (r != null) {
        r.failed(kind);
      }
      close();
    }

    private void close() {
      if (opened) {
        open--;
      }
      ended();
    }
  }
}
