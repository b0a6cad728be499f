package dev.modelmux.bench;

import dev.modelmux.bench.Scenario.Mode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * What a run measured, per mode. All times are milliseconds. Latencies are measured from each request's
 * INTENDED send time, so a stall (in the target or the generator) shows up in every request it delayed.
 */
public record Result(double rate, double secondsPerTarget, int rounds, List<ModeResult> modes) {

  /**
   * One mode's numbers. {@code latency} in each target is the full response time (plain) or the time to
   * first content token (stream); {@code total} is the time until {@code data: [DONE]} (stream only).
   * {@code added} compares every non-baseline target's {@code latency} with the baseline's (first target);
   * {@code addedTotal} does the same for stream totals.
   */
  public record ModeResult(Mode mode, List<TargetResult> targets, List<Comparison> added,
      List<Comparison> addedTotal, Percentiles schedulingLag, long lateSends) {

    public String latencyLabel() {
      return mode == Mode.STREAM ? "TTFT" : "latency";
    }
  }

  /**
   * @param requests    requests sent to this target in measured phases
   * @param ok          complete, well-formed 200 responses (only these are in the percentiles)
   * @param non200      responses with another status
   * @param errors      connection errors, resets, timeouts, broken streams
   * @param errorKinds  errors (and non-200 statuses) by kind
   * @param achievedRate how fast sends actually went out while this target was measured (req/s)
   */
  public record TargetResult(String name, long requests, long ok, long non200, long errors,
      Map<String, Long> errorKinds, double achievedRate, Percentiles latency, Percentiles total) { }

  /** Percentiles in milliseconds. */
  public record Percentiles(long count, double p50, double p90, double p99, double p999, double max, double mean) {
    public static final Percentiles EMPTY = new Percentiles(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
        Double.NaN, Double.NaN);

    /** From a histogram recorded in microseconds. */
    public static Percentiles ofMicros(Histogram h) {
      if (h.getTotalCount() == 0) {
        return EMPTY;
      }
      return new Percentiles(h.getTotalCount(), ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(90)),
          ms(h.getValueAtPercentile(99)), ms(h.getValueAtPercentile(99.9)), ms(h.getMaxValue()),
          h.getMean() / 1000.0);
    }

    private static double ms(long micros) {
      return micros / 1000.0;
    }

    JsonObject toJson() {
      return new JsonObject().put("count", count).put("p50", num(p50)).put("p90", num(p90)).put("p99", num(p99))
          .put("p99_9", num(p999)).put("max", num(max)).put("mean", num(mean));
    }
  }

  /**
   * Candidate minus baseline, percentile by percentile (a difference of percentiles, not a percentile of
   * per-request differences: the two targets never serve the same request). Ratios are candidate / baseline.
   */
  public record Comparison(String baseline, String target, double addedP50, double addedP90, double addedP99,
      double ratioP50, double ratioP90, double ratioP99) {

    public static Comparison of(String baseline, Percentiles base, String target, Percentiles cand) {
      return new Comparison(baseline, target,
          cand.p50() - base.p50(), cand.p90() - base.p90(), cand.p99() - base.p99(),
          ratio(cand.p50(), base.p50()), ratio(cand.p90(), base.p90()), ratio(cand.p99(), base.p99()));
    }

    private static double ratio(double a, double b) {
      return b > 0 ? a / b : Double.NaN;
    }

    JsonObject toJson() {
      return new JsonObject().put("baseline", baseline).put("target", target)
          .put("added_p50", num(addedP50)).put("added_p90", num(addedP90)).put("added_p99", num(addedP99))
          .put("ratio_p50", num(ratioP50)).put("ratio_p90", num(ratioP90)).put("ratio_p99", num(ratioP99));
    }
  }

  /** Builds the comparison rows: every target after the first against the first. */
  public static List<Comparison> compare(List<TargetResult> targets, boolean totals) {
    List<Comparison> out = new ArrayList<>();
    if (targets.isEmpty()) {
      return out;
    }
    TargetResult base = targets.get(0);
    for (TargetResult t : targets.subList(1, targets.size())) {
      out.add(totals
          ? Comparison.of(base.name(), base.total(), t.name(), t.total())
          : Comparison.of(base.name(), base.latency(), t.name(), t.latency()));
    }
    return out;
  }

  public ModeResult mode(Mode m) {
    return modes.stream().filter(r -> r.mode() == m).findFirst().orElse(null);
  }

  /** True when any measured request failed or returned a status other than 200. */
  public boolean hasErrors() {
    return modes.stream().flatMap(m -> m.targets().stream()).anyMatch(t -> t.errors() + t.non200() > 0);
  }

  /** The readable report: one table per mode, then added/ratio rows and the generator's own lag. */
  public String format() {
    StringBuilder sb = new StringBuilder();
    for (ModeResult m : modes) {
      sb.append(String.format(Locale.ROOT, "%n== %s: %s at %.0f req/s, %.1f s per target in %d rounds ==%n",
          m.mode().label(), m.latencyLabel(), rate, secondsPerTarget, rounds));
      table(sb, m.latencyLabel(), m.targets(), false, m.added());
      if (m.mode() == Mode.STREAM) {
        table(sb, "total until [DONE]", m.targets(), true, m.addedTotal());
      }
      for (TargetResult t : m.targets()) {
        if (!t.errorKinds().isEmpty()) {
          sb.append("  ").append(t.name()).append(" failures: ").append(t.errorKinds()).append('\n');
        }
      }
      Percentiles lag = m.schedulingLag();
      sb.append(String.format(Locale.ROOT,
          "  generator send lag (actual - intended): p50 %.3f  p90 %.3f  p99 %.3f  max %.3f ms; %d sends > 1 ms late%n",
          lag.p50(), lag.p90(), lag.p99(), lag.max(), m.lateSends()));
      if (lag.p99() > 1.0) {
        sb.append("  WARNING: the generator itself fell behind (lag p99 > 1 ms); latencies include its delay\n");
      }
    }
    return sb.toString();
  }

  private static void table(StringBuilder sb, String what, List<TargetResult> targets, boolean totals,
      List<Comparison> added) {
    sb.append(String.format(Locale.ROOT, "  %-22s %8s %8s %7s %7s %9s %9s %9s %9s %9s%n",
        what + " (ms)", "requests", "ok", "non200", "errors", "rate/s", "p50", "p90", "p99", "max"));
    for (TargetResult t : targets) {
      Percentiles p = totals ? t.total() : t.latency();
      sb.append(String.format(Locale.ROOT, "  %-22s %8d %8d %7d %7d %9.1f %9.3f %9.3f %9.3f %9.3f%n",
          t.name(), t.requests(), t.ok(), t.non200(), t.errors(), t.achievedRate(),
          p.p50(), p.p90(), p.p99(), p.max()));
    }
    for (Comparison c : added) {
      String label = c.target() + " - " + c.baseline();
      sb.append(String.format(Locale.ROOT, "  %-22s %8s %8s %7s %7s %9s %+9.3f %+9.3f %+9.3f%n",
          "added " + label, "", "", "", "", "", c.addedP50(), c.addedP90(), c.addedP99()));
      sb.append(String.format(Locale.ROOT, "  %-22s %8s %8s %7s %7s %9s %8.2fx %8.2fx %8.2fx%n",
          "ratio " + c.target() + " / " + c.baseline(), "", "", "", "", "", c.ratioP50(), c.ratioP90(), c.ratioP99()));
    }
  }

  public JsonObject toJson() {
    JsonArray ms = new JsonArray();
    for (ModeResult m : modes) {
      JsonArray ts = new JsonArray();
      for (TargetResult t : m.targets()) {
        JsonObject o = new JsonObject().put("name", t.name()).put("requests", t.requests()).put("ok", t.ok())
            .put("non200", t.non200()).put("errors", t.errors()).put("error_kinds", new JsonObject(
                new java.util.LinkedHashMap<>(t.errorKinds())))
            .put("achieved_rate", num(t.achievedRate())).put(m.mode() == Mode.STREAM ? "ttft_ms" : "latency_ms",
                t.latency().toJson());
        if (m.mode() == Mode.STREAM) {
          o.put("total_ms", t.total().toJson());
        }
        ts.add(o);
      }
      JsonObject mo = new JsonObject().put("mode", m.mode().label()).put("targets", ts)
          .put("added", new JsonArray(m.added().stream().map(Comparison::toJson).toList()))
          .put("scheduling_lag_ms", m.schedulingLag().toJson()).put("late_sends", m.lateSends());
      if (m.mode() == Mode.STREAM) {
        mo.put("added_total", new JsonArray(m.addedTotal().stream().map(Comparison::toJson).toList()));
      }
      ms.add(mo);
    }
    return new JsonObject().put("rate", rate).put("seconds_per_target", secondsPerTarget).put("rounds", rounds)
        .put("modes", ms);
  }

  /** JSON has no NaN: an undefined number (no samples) is written as null. */
  private static Double num(double d) {
    return Double.isNaN(d) || Double.isInfinite(d) ? null : Math.round(d * 1_000_000) / 1_000_000.0;
  }
}
