package dev.modelmux.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.modelmux.bench.Result.Comparison;
import dev.modelmux.bench.Result.ModeResult;
import dev.modelmux.bench.Result.Percentiles;
import dev.modelmux.bench.Result.TargetResult;
import dev.modelmux.bench.Scenario.Mode;
import io.vertx.core.json.JsonObject;
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
}
