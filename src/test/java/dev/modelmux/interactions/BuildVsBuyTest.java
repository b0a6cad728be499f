package dev.modelmux.interactions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** The build-vs-buy arithmetic against hand-computed figures. */
class BuildVsBuyTest {
  private static final long WEEK_MS = 7 * 86_400_000L;
  private static final CostsConfig FOUR_GPUS_TWICE = new CostsConfig(340, 2);

  @Test
  void atTodaysVolumeTheApiIsCheaperAndTheBreakEvenIsWhereSpendMeetsTheMachines() {
    // 14,000 requests for $70 in a week: 2,000 a day, $10 a day, half a cent each; two machines cost $680 a day.
    JsonObject view = BuildVsBuy.of(FOUR_GPUS_TWICE, 14_000, 70.0, WEEK_MS);
    assertThat(view.getDouble("requests_per_day")).isCloseTo(2_000, within(1e-9));
    assertThat(view.getDouble("api_usd_per_day")).isCloseTo(10.0, within(1e-9));
    assertThat(view.getDouble("api_usd_per_request")).isCloseTo(0.005, within(1e-12));
    assertThat(view.getDouble("self_hosted_usd_per_day")).isEqualTo(680.0);
    assertThat(view.getDouble("break_even_requests_per_day")).isCloseTo(136_000, within(1e-6));
    assertThat(view.getString("cheaper")).isEqualTo("api");
  }

  @Test
  void pastTheBreakEvenSelfHostingWins() {
    JsonObject view = BuildVsBuy.of(FOUR_GPUS_TWICE, 1_400_000, 7_000.0, WEEK_MS); // $1,000 a day
    assertThat(view.getString("cheaper")).isEqualTo("self_hosted");
  }

  @Test
  void aShortWindowCountsAsOneDayAndNoTrafficHasNoBreakEven() {
    assertThat(BuildVsBuy.of(FOUR_GPUS_TWICE, 100, 1.0, 3_600_000L).getDouble("api_usd_per_day")).isEqualTo(1.0);
    assertThat(BuildVsBuy.of(FOUR_GPUS_TWICE, 0, 0, WEEK_MS).getValue("break_even_requests_per_day")).isNull();
  }
}
