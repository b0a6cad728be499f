package dev.modelmux.bench;

import dev.modelmux.bench.Result.ModeResult;
import dev.modelmux.bench.Result.Percentiles;
import dev.modelmux.bench.Result.TargetResult;
import dev.modelmux.bench.Scenario.Mode;
import java.util.ArrayList;
import java.util.List;

/** One mode's result from its targets' numbers: the comparisons against baselines and the overhead checks. */
final class ModeResults {
  private ModeResults() {
  }

  static ModeResult of(Scenario scenario, Mode mode, List<TargetResult> targets, Percentiles lag, long lateSends) {
    List<String> baselines = new ArrayList<>();
    for (int t = 0; t < targets.size(); t++) {
      baselines.add(scenario.baselineOf(t));
    }
    boolean stream = mode == Mode.STREAM;
    List<Result.OverheadCheck> checks = new ArrayList<>();
    for (Scenario.OverheadSpec spec : scenario.overheadChecks()) {
      checks.add(Result.OverheadCheck.of(spec, targets, baselines, stream));
    }
    return new ModeResult(mode, List.copyOf(targets), Result.compare(targets, baselines, false),
        stream ? Result.compare(targets, baselines, true) : List.of(), lag, lateSends, List.copyOf(checks));
  }
}
