package dev.modelmux.bench;

import dev.modelmux.bench.Result.Comparison;
import dev.modelmux.bench.Result.ModeResult;
import dev.modelmux.bench.Result.OverheadCheck;
import dev.modelmux.bench.Result.OverheadRow;
import dev.modelmux.bench.Result.Percentiles;
import dev.modelmux.bench.Result.TargetResult;
import dev.modelmux.bench.Scenario.Mode;
import java.util.List;
import java.util.Locale;

/** A {@link Result} as the readable report the load generator prints. */
final class ResultText {
  private ResultText() {}

  /** One table per mode, then added/ratio rows and the generator's own lag. */
  static String format(Result r) {
    StringBuilder sb = new StringBuilder();
    for (ModeResult m : r.modes()) {
      String load = r.closedLoop() ? String.format(Locale.ROOT, "closed loop over %d connections", r.closedLoopConnections())
          : String.format(Locale.ROOT, "at %.0f req/s", r.rate());
      sb.append(String.format(Locale.ROOT, "%n== %s: %s %s, %.1f s per target in %d rounds ==%n",
          m.mode().label(), m.latencyLabel(), load, r.secondsPerTarget(), r.rounds()));
      table(sb, m.latencyLabel(), m.targets(), false, m.added());
      if (m.mode() == Mode.STREAM) {
        table(sb, "total until [DONE]", m.targets(), true, m.addedTotal());
      }
      for (TargetResult t : m.targets()) {
        if (!t.errorKinds().isEmpty()) {
          sb.append("  ").append(t.name()).append(" failures: ").append(t.errorKinds()).append('\n');
        }
      }
      if (!r.closedLoop()) {
        lag(sb, m);
      }
      for (OverheadCheck c : m.overheadChecks()) {
        overhead(sb, m, c);
      }
    }
    return sb.toString();
  }

  /** How late the open-loop generator sent, against the intended times (a closed loop has none). */
  private static void lag(StringBuilder sb, ModeResult m) {
    Percentiles lag = m.schedulingLag();
    sb.append(String.format(Locale.ROOT,
        "  generator send lag (actual - intended): p50 %.3f  p90 %.3f  p99 %.3f  max %.3f ms; %d sends > 1 ms late%n",
        lag.p50(), lag.p90(), lag.p99(), lag.max(), m.lateSends()));
    if (lag.p99() > 1.0) {
      sb.append("  WARNING: the generator itself fell behind (lag p99 > 1 ms); latencies include its delay\n");
    }
  }

  /** "1.17x", or "n/a" when the reference adds nothing (or less than nothing) and no ratio exists. */
  private static String ratio(double r) {
    return Double.isNaN(r) ? "n/a" : String.format(Locale.ROOT, "%.2fx", r);
  }

  private static void overhead(StringBuilder sb, ModeResult m, OverheadCheck c) {
    sb.append(String.format(Locale.ROOT, "%n  %s (%s): (%s - %s) / (%s - %s), limit %.2f%n", c.label(),
        m.mode().label(), c.candidate(), c.candidateBaseline(), c.reference(), c.referenceBaseline(), c.limit()));
    sb.append(String.format(Locale.ROOT, "  %-10s %12s %12s %8s %12s %12s %14s %6s%n", "(ms)", "reference+",
        "candidate+", "ratio", "difference", "allowance", "margin+-2se", "ok"));
    for (OverheadRow r : c.rows()) {
      Boolean pass = r.pass();
      sb.append(String.format(Locale.ROOT, "  %-10s %+12.3f %+12.3f %8s %+12.3f %12.3f %+7.3f+-%-6.3f %6s%n",
          r.metric() + " p" + r.percentile(), r.referenceAdded(), r.candidateAdded(), ratio(r.ratio()), r.difference(),
          (c.limit() - 1) * r.referenceAdded(), r.margin(), 2 * r.marginStderr(),
          pass == null ? "n/a" : (pass ? "yes" : "NO") + (r.withinNoise() ? "~" : "")));
    }
    StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "  %s: %s", c.label(), c.verdict()));
    for (OverheadRow r : c.rows()) {
      if (r.metric().equals(c.rows().get(0).metric())) {
        line.append(String.format(Locale.ROOT, "; p%d ratio %s (%+.3f ms)", r.percentile(), ratio(r.ratio()).trim(),
            r.difference()));
      }
    }
    sb.append(line).append(String.format(Locale.ROOT, " [limit %.2f, verdict on p50/p90 of every metric]%n", c.limit()));
    if (c.verdictWithinNoise()) {
      sb.append("  NOTE: at p50/p90 some margin is within 2 standard errors (over rounds) of 0 (marked ~):\n"
          + "        the overheads are too small or too noisy here for this verdict to be reliable; repeat the run.\n");
    }
  }

  private static void table(StringBuilder sb, String what, List<TargetResult> targets, boolean totals,
      List<Comparison> added) {
    int w = 22;
    for (Comparison c : added) {
      w = Math.max(w, ("ratio " + c.target() + " / " + c.baseline()).length());
    }
    for (TargetResult t : targets) {
      w = Math.max(w, t.name().length());
    }
    String name = "  %-" + w + "s";
    sb.append(String.format(Locale.ROOT, name + " %8s %8s %7s %7s %9s %9s %9s %9s %9s%n",
        what + " (ms)", "requests", "ok", "non200", "errors", "rate/s", "p50", "p90", "p99", "max"));
    for (TargetResult t : targets) {
      Percentiles p = totals ? t.total() : t.latency();
      sb.append(String.format(Locale.ROOT, name + " %8d %8d %7d %7d %9.1f %9.3f %9.3f %9.3f %9.3f%n",
          t.name(), t.requests(), t.ok(), t.non200(), t.errors(), t.achievedRate(),
          p.p50(), p.p90(), p.p99(), p.max()));
    }
    for (Comparison c : added) {
      String label = c.target() + " - " + c.baseline();
      sb.append(String.format(Locale.ROOT, name + " %8s %8s %7s %7s %9s %+9.3f %+9.3f %+9.3f%n",
          "added " + label, "", "", "", "", "", c.addedP50(), c.addedP90(), c.addedP99()));
      sb.append(String.format(Locale.ROOT, name + " %8s %8s %7s %7s %9s %8.2fx %8.2fx %8.2fx%n",
          "ratio " + c.target() + " / " + c.baseline(), "", "", "", "", "", c.ratioP50(), c.ratioP90(), c.ratioP99()));
    }
  }
}
