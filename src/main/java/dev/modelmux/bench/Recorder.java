package dev.modelmux.bench;

import dev.modelmux.bench.Result.Percentiles;
import dev.modelmux.bench.Result.TargetResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/** Counters and histograms of one (mode, target) pair; only touched on the generator's event loop. */
final class Recorder {
  static final long MAX_MICROS = TimeUnit.SECONDS.toMicros(120);

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

  void sent() {
    requests++;
    inFlight++;
  }

  void succeeded(int round, long latencyNanos, long totalNanos, boolean stream) {
    inFlight--;
    ok++;
    latency.recordValue(micros(latencyNanos));
    roundLatency[round].recordValue(micros(latencyNanos));
    if (stream) {
      total.recordValue(micros(totalNanos));
      roundTotal[round].recordValue(micros(totalNanos));
    }
  }

  void non200(int status) {
    inFlight--;
    non200++;
    kinds.merge("HTTP " + status, 1L, Long::sum);
  }

  void failed(String kind) {
    inFlight--;
    errors++;
    kinds.merge(kind, 1L, Long::sum);
  }

  /** What this recorder saw, requests still in flight counted as errors. */
  TargetResult toResult(String name, double achievedRate, boolean stream) {
    Map<String, Long> allKinds = new LinkedHashMap<>(kinds);
    if (inFlight > 0) {
      allKinds.merge("unfinished at end of run", inFlight, Long::sum);
    }
    return new TargetResult(name, requests, ok, non200, errors + inFlight, Map.copyOf(allKinds), achievedRate,
        Percentiles.ofMicros(latency), stream ? Percentiles.ofMicros(total) : Percentiles.EMPTY, byRound(false),
        stream ? byRound(true) : List.of());
  }

  private List<Percentiles> byRound(boolean totals) {
    List<Percentiles> out = new ArrayList<>();
    for (Histogram h : totals ? roundTotal : roundLatency) {
      out.add(Percentiles.ofMicros(h));
    }
    return List.copyOf(out);
  }

  static long micros(long nanos) {
    return nanos <= 0 ? 0 : Math.min(MAX_MICROS, nanos / 1000);
  }
}
