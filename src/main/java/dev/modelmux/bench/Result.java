package dev.modelmux.bench;

import dev.modelmux.bench.Scenario.Mode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * What a run measured, per mode. All times are milliseconds. Open loop, latencies are measured from each
 * request's INTENDED send time, so a stall (in the target or the generator) shows up in every request it
 * delayed; closed loop ({@code closedLoopConnections} > 0, {@code rate} NaN), from its actual send time, and a
 * target's {@code achievedRate} is the successful requests per second it completed.
 */
public record Result(double rate, double secondsPerTarget, int rounds, List<ModeResult> modes,
    int closedLoopConnections) {

  /** An open-loop result. */
  public Result(double rate, double secondsPerTarget, int rounds, List<ModeResult> modes) {
    this(rate, secondsPerTarget, rounds, modes, 0);
  }

  public boolean closedLoop() {
    return closedLoopConnections > 0;
  }

  /**
   * One mode's numbers. {@code latency} in each target is the full response time (plain) or the time to
   * first content token (stream); {@code total} is the time until {@code data: [DONE]} (stream only).
   * {@code added} compares every target but the first (and any target given a baseline) with its baseline's
   * {@code latency}; {@code addedTotal} does the same for stream totals. {@code overheadChecks} compare what
   * two targets add over their baselines.
   */
  public record ModeResult(Mode mode, List<TargetResult> targets, List<Comparison> added,
      List<Comparison> addedTotal, Percentiles schedulingLag, long lateSends, List<OverheadCheck> overheadChecks) {

    public ModeResult(Mode mode, List<TargetResult> targets, List<Comparison> added, List<Comparison> addedTotal,
        Percentiles schedulingLag, long lateSends) {
      this(mode, targets, added, addedTotal, schedulingLag, lateSends, List.of());
    }

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
   * @param latencyByRound {@code latency} of each measured round (phase) alone, to estimate the noise
   * @param totalByRound   {@code total} of each round (stream only)
   */
  public record TargetResult(String name, long requests, long ok, long non200, long errors,
      Map<String, Long> errorKinds, double achievedRate, Percentiles latency, Percentiles total,
      List<Percentiles> latencyByRound, List<Percentiles> totalByRound) {

    public TargetResult(String name, long requests, long ok, long non200, long errors, Map<String, Long> errorKinds,
        double achievedRate, Percentiles latency, Percentiles total) {
      this(name, requests, ok, non200, errors, errorKinds, achievedRate, latency, total, List.of(), List.of());
    }
  }

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

    /** p50, p90 or p99. */
    public double at(int percentile) {
      return switch (percentile) {
        case 50 -> p50;
        case 90 -> p90;
        case 99 -> p99;
        default -> throw new IllegalArgumentException("p" + percentile);
      };
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
    return compare(targets, null, totals);
  }

  /**
   * Builds the comparison rows: target i against the target named {@code baselines.get(i)} (null, or no
   * list, means the first target); a target whose baseline is itself (the first, by default) gets no row.
   */
  public static List<Comparison> compare(List<TargetResult> targets, List<String> baselines, boolean totals) {
    List<Comparison> out = new ArrayList<>();
    for (int i = 0; i < targets.size(); i++) {
      TargetResult t = targets.get(i);
      TargetResult base = baselineOf(targets, baselines, i);
      if (base == t) {
        continue;
      }
      out.add(totals
          ? Comparison.of(base.name(), base.total(), t.name(), t.total())
          : Comparison.of(base.name(), base.latency(), t.name(), t.latency()));
    }
    return out;
  }

  private static TargetResult baselineOf(List<TargetResult> targets, List<String> baselines, int i) {
    String name = baselines == null ? null : baselines.get(i);
    if (name == null) {
      return targets.get(0);
    }
    return byName(targets, name);
  }

  private static TargetResult byName(List<TargetResult> targets, String name) {
    return targets.stream().filter(t -> t.name().equals(name)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no target named '" + name + "'"));
  }

  /**
   * One percentile of an overhead check. {@code candidateAdded} and {@code referenceAdded} are what the two
   * targets add over their baselines (ms); {@code ratio} = candidateAdded / referenceAdded (NaN when the
   * reference adds nothing measurable); {@code difference} = candidateAdded - referenceAdded; {@code margin} =
   * limit x referenceAdded - candidateAdded (>= 0 passes); {@code marginStderr} is the standard error of the
   * margin estimated from the rounds taken one by one ({@code rounds} of them; NaN with fewer than 2).
   */
  public record OverheadRow(String metric, int percentile, double candidateAdded, double referenceAdded,
      double ratio, double difference, double margin, double marginStderr, int rounds) {

    /** True/false when decided; null when the reference adds nothing (ratio undefined). */
    public Boolean pass() {
      return referenceAdded > 0 ? margin >= 0 : null;
    }

    /** The margin is less than two standard errors from 0: another run could well give the other verdict. */
    public boolean withinNoise() {
      return !Double.isNaN(marginStderr) && Math.abs(margin) < 2 * marginStderr;
    }

    JsonObject toJson() {
      return new JsonObject().put("metric", metric).put("percentile", percentile)
          .put("candidate_added_ms", num(candidateAdded)).put("reference_added_ms", num(referenceAdded))
          .put("ratio", num(ratio)).put("difference_ms", num(difference)).put("margin_ms", num(margin))
          .put("margin_stderr_ms", num(marginStderr)).put("rounds", rounds).put("pass", pass())
          .put("within_noise", withinNoise());
    }
  }

  /**
   * What {@code candidate} adds over its baseline, against {@code limit} x what {@code reference} adds over
   * its own, at p50/p90/p99 of each metric. The verdict uses p50 and p90 only (p99 of a short run is noise).
   */
  public record OverheadCheck(String label, String candidate, String candidateBaseline, String reference,
      String referenceBaseline, double limit, List<OverheadRow> rows) {

    static final int[] PERCENTILES = {50, 90, 99};

    public static OverheadCheck of(Scenario.OverheadSpec spec, List<TargetResult> targets, List<String> baselines,
        boolean stream) {
      int ci = indexOf(targets, spec.candidate());
      int ri = indexOf(targets, spec.reference());
      TargetResult c = targets.get(ci);
      TargetResult cb = baselineOf(targets, baselines, ci);
      TargetResult r = targets.get(ri);
      TargetResult rb = baselineOf(targets, baselines, ri);
      List<OverheadRow> rows = new ArrayList<>();
      for (boolean totals : stream ? new boolean[] {false, true} : new boolean[] {false}) {
        String metric = totals ? "total" : stream ? "TTFT" : "latency";
        for (int q : PERCENTILES) {
          rows.add(row(metric, q, spec.limit(), pick(c, totals), pick(cb, totals), pick(r, totals), pick(rb, totals),
              rounds(c, totals), rounds(cb, totals), rounds(r, totals), rounds(rb, totals)));
        }
      }
      return new OverheadCheck(spec.label(), c.name(), cb.name(), r.name(), rb.name(), spec.limit(), List.copyOf(rows));
    }

    static OverheadRow row(String metric, int q, double limit, Percentiles c, Percentiles cb, Percentiles r,
        Percentiles rb, List<Percentiles> cr, List<Percentiles> cbr, List<Percentiles> rr, List<Percentiles> rbr) {
      double candAdded = c.at(q) - cb.at(q);
      double refAdded = r.at(q) - rb.at(q);
      double ratio = refAdded > 0 ? candAdded / refAdded : Double.NaN;
      List<Double> margins = new ArrayList<>();
      int n = Math.min(Math.min(cr.size(), cbr.size()), Math.min(rr.size(), rbr.size()));
      for (int k = 0; k < n; k++) {
        if (cr.get(k).count() > 0 && cbr.get(k).count() > 0 && rr.get(k).count() > 0 && rbr.get(k).count() > 0) {
          margins.add(limit * (rr.get(k).at(q) - rbr.get(k).at(q)) - (cr.get(k).at(q) - cbr.get(k).at(q)));
        }
      }
      return new OverheadRow(metric, q, candAdded, refAdded, ratio, candAdded - refAdded,
          limit * refAdded - candAdded, stderr(margins), margins.size());
    }

    static double stderr(List<Double> xs) {
      int n = xs.size();
      if (n < 2) {
        return Double.NaN;
      }
      double mean = xs.stream().mapToDouble(Double::doubleValue).average().orElse(0);
      double ss = xs.stream().mapToDouble(x -> (x - mean) * (x - mean)).sum();
      return Math.sqrt(ss / (n - 1)) / Math.sqrt(n);
    }

    private static Percentiles pick(TargetResult t, boolean totals) {
      return totals ? t.total() : t.latency();
    }

    private static List<Percentiles> rounds(TargetResult t, boolean totals) {
      return totals ? t.totalByRound() : t.latencyByRound();
    }

    private static int indexOf(List<TargetResult> targets, String name) {
      for (int i = 0; i < targets.size(); i++) {
        if (targets.get(i).name().equals(name)) {
          return i;
        }
      }
      throw new IllegalArgumentException("no target named '" + name + "'");
    }

    /** PASS when every p50/p90 row passes, FAIL when one fails, INCONCLUSIVE when a reference adds nothing. */
    public String verdict() {
      boolean undecided = false;
      for (OverheadRow row : rows) {
        if (row.percentile() == 99) {
          continue;
        }
        Boolean p = row.pass();
        if (p == null) {
          undecided = true;
        } else if (!p) {
          return "FAIL";
        }
      }
      return undecided ? "INCONCLUSIVE" : "PASS";
    }

    /** True when some p50/p90 row's margin is within two standard errors of 0. */
    public boolean verdictWithinNoise() {
      return rows.stream().filter(r -> r.percentile() != 99).anyMatch(OverheadRow::withinNoise);
    }

    JsonObject toJson() {
      return new JsonObject().put("label", label).put("candidate", candidate)
          .put("candidate_baseline", candidateBaseline).put("reference", reference)
          .put("reference_baseline", referenceBaseline).put("limit", limit).put("verdict", verdict())
          .put("verdict_within_noise", verdictWithinNoise())
          .put("rows", new JsonArray(rows.stream().map(OverheadRow::toJson).toList()));
    }
  }

  public ModeResult mode(Mode m) {
    return modes.stream().filter(r -> r.mode() == m).findFirst().orElse(null);
  }

  /** True when an overhead check has the verdict FAIL. */
  public boolean hasFailedChecks() {
    return modes.stream().flatMap(m -> m.overheadChecks().stream()).anyMatch(c -> "FAIL".equals(c.verdict()));
  }

  /** True when any measured request failed or returned a status other than 200. */
  public boolean hasErrors() {
    return modes.stream().flatMap(m -> m.targets().stream()).anyMatch(t -> t.errors() + t.non200() > 0);
  }

  /** The readable report: one table per mode, then added/ratio rows and the generator's own lag. */
  public String format() {
    return ResultText.format(this);
  }

  public JsonObject toJson() {
    JsonArray ms = new JsonArray();
    for (ModeResult m : modes) {
      JsonArray ts = new JsonArray();
      for (TargetResult t : m.targets()) {
        JsonObject o = new JsonObject().put("name", t.name()).put("requests", t.requests()).put("ok", t.ok())
            .put("non200", t.non200()).put("errors", t.errors()).put("error_kinds", new JsonObject(
                new LinkedHashMap<>(t.errorKinds())))
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
      if (!m.overheadChecks().isEmpty()) {
        mo.put("overhead_checks", new JsonArray(m.overheadChecks().stream().map(OverheadCheck::toJson).toList()));
      }
      if (m.mode() == Mode.STREAM) {
        mo.put("added_total", new JsonArray(m.addedTotal().stream().map(Comparison::toJson).toList()));
      }
      ms.add(mo);
    }
    JsonObject o = new JsonObject().put("rate", num(rate)).put("seconds_per_target", secondsPerTarget)
        .put("rounds", rounds);
    if (closedLoop()) {
      o.put("closed_loop_connections", closedLoopConnections);
    }
    return o.put("modes", ms);
  }

  /** JSON has no NaN: an undefined number (no samples) is written as null. */
  private static Double num(double d) {
    return Double.isNaN(d) || Double.isInfinite(d) ? null : Math.round(d * 1_000_000) / 1_000_000.0;
  }
}
