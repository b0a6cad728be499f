package dev.modelmux.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.modelmux.bench.Result.Comparison;
import dev.modelmux.bench.Result.ModeResult;
import dev.modelmux.bench.Result.Percentiles;
import dev.modelmux.bench.Result.TargetResult;
import dev.modelmux.bench.Scenario.Mode;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;

class ResultTest {

  private static Percentiles p(double p50, double p90, double p99) {
    return new Percentiles(100, p50, p90, p99, p99, p99 + 1, p50);
  }

  private static TargetResult target(String name, Percentiles latency) {
    return new TargetResult(name, 100, 100, 0, 0, Map.of(), 1000, latency, Percentiles.EMPTY);
  }

  @Test
  void addedIsCandidateMinusBaselineAndRatioIsCandidateOverBaseline() {
    Comparison c = Comparison.of("direct", p(0.200, 0.400, 1.000), "gateway", p(0.450, 0.600, 2.500));
    assertThat(c.addedP50()).isCloseTo(0.250, within(1e-9));
    assertThat(c.addedP90()).isCloseTo(0.200, within(1e-9));
    assertThat(c.addedP99()).isCloseTo(1.500, within(1e-9));
    assertThat(c.ratioP50()).isCloseTo(2.25, within(1e-9));
    assertThat(c.ratioP90()).isCloseTo(1.5, within(1e-9));
    assertThat(c.ratioP99()).isCloseTo(2.5, within(1e-9));
  }

  @Test
  void aFasterCandidateGivesNegativeAddedAndAnEmptyBaselineGivesNoRatio() {
    Comparison faster = Comparison.of("a", p(1, 2, 4), "b", p(0.5, 1, 2));
    assertThat(faster.addedP50()).isCloseTo(-0.5, within(1e-9));
    assertThat(faster.ratioP99()).isCloseTo(0.5, within(1e-9));
    Comparison none = Comparison.of("a", Percentiles.EMPTY, "b", p(1, 2, 3));
    assertThat(none.ratioP50()).isNaN();
    assertThat(none.toJson().getValue("ratio_p50")).isNull();
  }

  @Test
  void everyTargetAfterTheFirstIsComparedWithTheFirst() {
    List<Comparison> cs = Result.compare(List.of(target("direct", p(1, 2, 3)), target("gw", p(2, 3, 4)),
        target("gw2", p(4, 5, 6))), false);
    assertThat(cs).extracting(Comparison::baseline).containsOnly("direct");
    assertThat(cs).extracting(Comparison::target).containsExactly("gw", "gw2");
    assertThat(cs.get(1).addedP50()).isCloseTo(3.0, within(1e-9));
    assertThat(Result.compare(List.of(target("only", p(1, 2, 3))), false)).isEmpty();
  }

  @Test
  void percentilesComeFromMicrosecondHistogramsAsMilliseconds() {
    Histogram h = new Histogram(60_000_000L, 3);
    for (int i = 1; i <= 1000; i++) {
      h.recordValue(i); // 1..1000 us
    }
    Percentiles p = Percentiles.ofMicros(h);
    assertThat(p.count()).isEqualTo(1000);
    assertThat(p.p50()).isCloseTo(0.500, within(0.001));
    assertThat(p.p90()).isCloseTo(0.900, within(0.001));
    assertThat(p.p99()).isCloseTo(0.990, within(0.001));
    assertThat(p.max()).isCloseTo(1.000, within(0.001));
    assertThat(Percentiles.ofMicros(new Histogram(1000, 3))).isSameAs(Percentiles.EMPTY);
  }

  @Test
  void formatAndJsonCarryTheTableAddedRowsAndLag() {
    List<TargetResult> ts = List.of(target("direct", p(0.2, 0.3, 0.9)), target("gateway", p(0.45, 0.6, 1.9)));
    ModeResult m = new ModeResult(Mode.PLAIN, ts, Result.compare(ts, false), List.of(), p(0.05, 0.07, 0.1), 0);
    Result r = new Result(1000, 10, 10, List.of(m));
    String text = r.format();
    assertThat(text).contains("plain: latency at 1000 req/s").contains("direct").contains("gateway")
        .contains("added gateway - direct").contains("+0.250").contains("+1.000")
        .contains("ratio gateway / direct").contains("2.25x").contains("generator send lag");
    JsonObject json = r.toJson();
    JsonObject added = json.getJsonArray("modes").getJsonObject(0).getJsonArray("added").getJsonObject(0);
    assertThat(added.getDouble("added_p50")).isCloseTo(0.25, within(1e-9));
    assertThat(added.getDouble("ratio_p99")).isCloseTo(1.9 / 0.9, within(1e-6));
    assertThat(r.hasErrors()).isFalse();
  }

  private static TargetResult target(String name, Percentiles latency, List<Percentiles> rounds) {
    return new TargetResult(name, 100, 100, 0, 0, Map.of(), 1000, latency, latency, rounds, rounds);
  }

  @Test
  void eachTargetIsComparedWithItsOwnBaseline() {
    List<TargetResult> ts = List.of(target("direct-openai", p(1, 2, 3)), target("gateway-openai", p(1.3, 2.4, 4)),
        target("direct-anthropic", p(1.1, 2.1, 3.1)), target("gateway-anthropic", p(1.5, 2.6, 5)));
    List<Comparison> cs = Result.compare(ts, Arrays.asList(null, null, null, "direct-anthropic"), false);
    assertThat(cs).extracting(Comparison::target)
        .containsExactly("gateway-openai", "direct-anthropic", "gateway-anthropic");
    assertThat(cs).extracting(Comparison::baseline)
        .containsExactly("direct-openai", "direct-openai", "direct-anthropic");
    assertThat(cs.get(2).addedP50()).isCloseTo(0.4, within(1e-9));
    assertThat(cs.get(2).addedP99()).isCloseTo(1.9, within(1e-9));
    // the first target gets a row too when it is given a baseline of its own
    List<Comparison> first = Result.compare(ts.subList(0, 2), List.of("gateway-openai", "direct-openai"), false);
    assertThat(first).extracting(Comparison::target).containsExactly("direct-openai", "gateway-openai");
    assertThat(first.get(0).addedP50()).isCloseTo(-0.3, within(1e-9));
  }

  @Test
  void overheadCheckIsTheRatioOfWhatTwoTargetsAddOverTheirBaselines() {
    // openai: gateway adds 0.30/0.40/1.0 ms; cross: 0.33/0.60/3.0 ms
    List<TargetResult> ts = List.of(target("direct-openai", p(1, 2, 3), List.of()),
        target("gateway-openai", p(1.3, 2.4, 4), List.of()), target("direct-anthropic", p(2, 3, 4), List.of()),
        target("gateway-anthropic", p(2.33, 3.6, 7), List.of()));
    List<String> baselines = Arrays.asList(null, null, null, "direct-anthropic");
    Result.OverheadCheck c = Result.OverheadCheck.of(new Scenario.OverheadSpec("cross-dialect translation",
        "gateway-anthropic", "gateway-openai", 1.2), ts, baselines, true);
    assertThat(c.candidateBaseline()).isEqualTo("direct-anthropic");
    assertThat(c.referenceBaseline()).isEqualTo("direct-openai");
    assertThat(c.rows()).hasSize(6).extracting(Result.OverheadRow::metric)
        .containsExactly("TTFT", "TTFT", "TTFT", "total", "total", "total");
    Result.OverheadRow p50 = c.rows().get(0);
    assertThat(p50.referenceAdded()).isCloseTo(0.30, within(1e-9));
    assertThat(p50.candidateAdded()).isCloseTo(0.33, within(1e-9));
    assertThat(p50.ratio()).isCloseTo(1.1, within(1e-9));
    assertThat(p50.difference()).isCloseTo(0.03, within(1e-9));
    assertThat(p50.margin()).isCloseTo(0.36 - 0.33, within(1e-9));
    assertThat(p50.pass()).isTrue();
    Result.OverheadRow p90 = c.rows().get(1);
    assertThat(p90.ratio()).isCloseTo(1.5, within(1e-9));
    assertThat(p90.pass()).isFalse();
    assertThat(c.verdict()).isEqualTo("FAIL");
    // p99 alone failing (3.0 vs 1.0) does not decide the verdict
    List<TargetResult> okExceptP99 = List.of(ts.get(0), ts.get(1), ts.get(2), target("gateway-anthropic", p(2.33, 3.4, 7), List.of()));
    assertThat(Result.OverheadCheck.of(new Scenario.OverheadSpec(null, "gateway-anthropic", "gateway-openai", 1.2),
        okExceptP99, baselines, true).verdict()).isEqualTo("PASS");
    // a reference that adds nothing gives no ratio and no verdict
    List<TargetResult> free = List.of(ts.get(0), target("gateway-openai", p(1, 2, 3), List.of()), ts.get(2), ts.get(3));
    Result.OverheadCheck none = Result.OverheadCheck.of(new Scenario.OverheadSpec(null, "gateway-anthropic",
        "gateway-openai", 1.2), free, baselines, false);
    assertThat(none.rows()).hasSize(3);
    assertThat(none.rows().get(0).ratio()).isNaN();
    assertThat(none.verdict()).isEqualTo("INCONCLUSIVE");

    ModeResult m = new ModeResult(Mode.STREAM, ts, Result.compare(ts, baselines, false),
        Result.compare(ts, baselines, true), p(0.05, 0.07, 0.1), 0, List.of(c));
    Result r = new Result(1000, 10, 10, List.of(m));
    assertThat(r.hasFailedChecks()).isTrue();
    assertThat(r.format()).contains("cross-dialect translation: FAIL").contains("p50 ratio 1.10x (+0.030 ms)")
        .contains("added gateway-anthropic - direct-anthropic");
    JsonObject check = r.toJson().getJsonArray("modes").getJsonObject(0).getJsonArray("overhead_checks")
        .getJsonObject(0);
    assertThat(check.getString("verdict")).isEqualTo("FAIL");
    assertThat(check.getJsonArray("rows").getJsonObject(0).getDouble("ratio")).isCloseTo(1.1, within(1e-9));
  }

  @Test
  void theNoiseOfAnOverheadCheckComesFromTheRoundsTakenOneByOne() {
    // four rounds; the margin 1.2 x (gw-openai - direct-openai) - (gw-anthropic - direct-anthropic) at p50 per
    // round is 0.2, 0.0, 0.4, -0.2 ms: mean 0.1, sample sd 0.2582, stderr 0.1291
    List<Percentiles> base = List.of(p(1, 1, 1), p(1, 1, 1), p(1, 1, 1), p(1, 1, 1));
    List<Percentiles> gwOpenai = List.of(p(2, 2, 2), p(2, 2, 2), p(2, 2, 2), p(2, 2, 2));
    List<Percentiles> gwCross = List.of(p(2.0, 2, 2), p(2.2, 2, 2), p(1.8, 2, 2), p(2.4, 2, 2));
    List<TargetResult> ts = List.of(target("do", p(1, 1, 1), base), target("go", p(2, 2, 2), gwOpenai),
        target("da", p(1, 1, 1), base), target("ga", p(2.1, 2, 2), gwCross));
    Result.OverheadCheck c = Result.OverheadCheck.of(new Scenario.OverheadSpec(null, "ga", "go", 1.2), ts,
        Arrays.asList(null, null, null, "da"), false);
    Result.OverheadRow p50 = c.rows().get(0);
    assertThat(p50.rounds()).isEqualTo(4);
    assertThat(p50.marginStderr()).isCloseTo(0.2582 / 2, within(1e-4));
    assertThat(p50.margin()).isCloseTo(0.1, within(1e-9));
    assertThat(p50.pass()).isTrue();
    assertThat(p50.withinNoise()).isTrue(); // 0.1 < 2 x 0.129
    assertThat(c.verdict()).isEqualTo("PASS");
    assertThat(c.verdictWithinNoise()).isTrue();
    assertThat(new Result(1000, 10, 4, List.of(new ModeResult(Mode.PLAIN, ts, List.of(), List.of(), p(0, 0, 0), 0,
        List.of(c)))).format()).contains("NOTE").contains("yes~");
  }
}
