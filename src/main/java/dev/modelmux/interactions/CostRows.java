package dev.modelmux.interactions;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * The rows of {@code GET /admin/costs}: each labelled by what it groups by, requests and tokens as whole numbers (sampled
 * rows count by their weight, so the sums are estimates, rounded), money in US dollars with {@value #USD_DECIMALS}
 * decimals (a millionth of a dollar).
 */
public final class CostRows {
  public static final int USD_DECIMALS = 6;

  private CostRows() {}

  /** One row: {@code {"<group>": label, "requests", "prompt_tokens", "completion_tokens", "cost_usd"}}. */
  public static JsonObject row(CostGroup group, Object value, double requests, double promptTokens, double completionTokens,
      double costUsd) {
    return new JsonObject()
        .put(group.field(), value == null ? group.none() : value.toString())
        .put("requests", Math.round(requests))
        .put("prompt_tokens", Math.round(promptTokens))
        .put("completion_tokens", Math.round(completionTokens))
        .put("cost_usd", usd(costUsd));
  }

  /** A dollar amount rounded half up to {@value #USD_DECIMALS} decimals: its JSON has exactly that many, no binary noise. */
  public static BigDecimal usd(double amount) {
    return BigDecimal.valueOf(amount).setScale(USD_DECIMALS, RoundingMode.HALF_UP);
  }

  /** The rows the store's cost query returns (its columns grp, requests, prompt_tokens, completion_tokens, cost_usd). */
  static JsonArray of(CostGroup group, JsonArray sums) {
    JsonArray rows = new JsonArray();
    for (Object o : sums) {
      JsonObject sum = (JsonObject) o;
      rows.add(row(group, sum.getValue("grp"), number(sum, "requests"), number(sum, "prompt_tokens"),
          number(sum, "completion_tokens"), number(sum, "cost_usd")));
    }
    return rows;
  }

  private static double number(JsonObject sum, String column) {
    Object value = sum.getValue(column);
    return value instanceof Number n ? n.doubleValue() : 0.0;
  }
}
