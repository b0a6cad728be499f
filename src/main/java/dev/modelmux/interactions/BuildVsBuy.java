package dev.modelmux.interactions;

import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.MathContext;

/**
 * API spend per day at the current volume against the cost of running models yourself, and the volume at which the
 * two are equal: {@code self_hosted_per_day × replicas / (API spend per request)} requests a day.
 */
public final class BuildVsBuy {
  private static final double DAY_MS = 86_400_000.0;

  private BuildVsBuy() {}

  /**
   * @param requests requests in the window (sampling already scaled back)
   * @param apiUsd API spend in the window
   * @param windowMs the window's length (at least a day is assumed, so one busy hour is not read as a day)
   */
  public static JsonObject of(CostsConfig config, double requests, double apiUsd, long windowMs) {
    double days = Math.max(1.0, windowMs / DAY_MS);
    double requestsPerDay = requests / days;
    double apiPerDay = apiUsd / days;
    double selfHosted = config.selfHostedPerDay() * config.replicas();
    JsonObject out = new JsonObject().put("window_days", days).put("requests_per_day", Math.round(requestsPerDay))
        .put("api_usd_per_day", CostRows.usd(apiPerDay)).put("self_hosted_usd_per_day", CostRows.usd(selfHosted))
        .put("self_hosted_replicas", config.replicas());
    if (requests <= 0 || apiUsd <= 0) {
      return out.putNull("api_usd_per_request").putNull("break_even_requests_per_day").put("cheaper", "unknown: no priced traffic yet");
    }
    double perRequest = apiUsd / requests;
    // A request can cost less than the millionth of a dollar the other amounts are rounded to: six significant digits.
    return out.put("api_usd_per_request", new BigDecimal(perRequest).round(new MathContext(6)).doubleValue())
        .put("break_even_requests_per_day", Math.round(selfHosted / perRequest))
        .put("cheaper", apiPerDay <= selfHosted ? "api" : "self_hosted");
  }
}
