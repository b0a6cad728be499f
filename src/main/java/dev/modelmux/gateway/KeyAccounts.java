package dev.modelmux.gateway;

import dev.modelmux.budget.BudgetLimits;
import dev.modelmux.budget.BudgetStore;
import dev.modelmux.budget.Reservation;
import dev.modelmux.budget.ReserveResult;
import dev.modelmux.config.AuthConfig;
import dev.modelmux.core.ErrorKind;
import dev.modelmux.core.GatewayError;
import dev.modelmux.core.GatewayException;
import dev.modelmux.exchange.Bill;
import dev.modelmux.metrics.GatewayMetrics;
import dev.modelmux.metrics.KeyMeters;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Each client key's account. Its own limits are held in the same budget store as the deployments' (so shared by every
 * replica through Redis): a request reserves on its key before any deployment is tried and settles with what its
 * attempts really used, so a runaway client is stopped at the door, before it can drain an account other teams
 * depend on. Its requests, tokens and spend are metered under the key's id.
 */
public final class KeyAccounts {
  private static final String PREFIX = "client-key:";

  private final BudgetStore budgets;
  private final Map<String, BudgetLimits> limitsByKey = new LinkedHashMap<>();
  private final Map<String, KeyMeters> metersByKey = new LinkedHashMap<>();

  public KeyAccounts(BudgetStore budgets, Optional<AuthConfig> auth, GatewayMetrics metrics) {
    this.budgets = budgets;
    auth.ifPresent(a -> a.keys().forEach(k -> {
      limitsByKey.put(k.id(), k.limits() == null ? null : new BudgetLimits(k.limits().tpm(), k.limits().rpm()));
      metersByKey.put(k.id(), metrics.key(k.id()));
    }));
  }

  /**
   * Each configured key (by id, never its value): its limits, headroom and usage in the shared window, and what this
   * replica served for it since it started (requests, tokens, spend), for /admin/keys.
   */
  public Future<JsonArray> report() {
    List<Future<JsonObject>> rows = new ArrayList<>();
    limitsByKey.forEach((id, limits) -> {
      JsonObject row = new JsonObject().put("id", id).put("since_start", sinceStart(metersByKey.get(id)));
      rows.add(limits == null
          ? Future.succeededFuture(row.putNull("limits"))
          : budgets.headroom(PREFIX + id, limits).map(h -> row
              .put("limits", new JsonObject().put("tpm", limits.tpm()).put("rpm", limits.rpm()))
              .put("headroom", new JsonObject().put("tokens", h.tokensLeft()).put("requests", h.requestsLeft()))
              .put("used", new JsonObject().put("tokens", h.tokensUsed()).put("requests", h.requestsUsed()))));
    });
    return Future.all(rows).map(all -> {
      JsonArray keys = new JsonArray();
      rows.forEach(row -> keys.add(row.result()));
      return keys;
    });
  }

  private static JsonObject sinceStart(KeyMeters meters) {
    return new JsonObject()
        .put("requests", meters.requests())
        .put("tokens", new JsonObject().put("in", meters.tokensIn()).put("out", meters.tokensOut()))
        .put("spend_usd", Math.round(meters.spendUsd() * 1_000_000) / 1_000_000.0);
  }

  /** The reservation on the key, null when it has no limits of its own; fails with a 429 when it is over them. */
  Future<Reservation> reserve(String keyId, long tokens) {
    BudgetLimits limits = keyId == null ? null : limitsByKey.get(keyId);
    if (limits == null) {
      return Future.succeededFuture(null);
    }
    return budgets.reserve(PREFIX + keyId, limits, tokens).compose(answer -> {
      if (answer instanceof ReserveResult.Granted granted) {
        return Future.succeededFuture(granted.reservation());
      }
      return Future.failedFuture(new GatewayException(refusal(keyId, limits, (ReserveResult.Denied) answer)));
    });
  }

  /**
   * The request's end: the key's reservation (null when it has no limits) settled with what every attempt used, and
   * the request metered under the key (nothing when no configured key called).
   */
  void finished(String keyId, Reservation reservation, Bill bill, String outcome) {
    if (reservation != null) {
      budgets.settle(reservation, bill.tokens());
    }
    meters(keyId, outcome, bill.promptTokens(), bill.completionTokens(), bill.costUsd());
  }

  /** A request of the key's refused before it was served (nothing reserved, nothing used). */
  void refused(String keyId, String outcome) {
    meters(keyId, outcome, 0, 0, 0);
  }

  /** Nothing when no configured key called. */
  private void meters(String keyId, String outcome, long promptTokens, long completionTokens, double costUsd) {
    KeyMeters meters = keyId == null ? null : metersByKey.get(keyId);
    if (meters != null) {
      meters.request(outcome, promptTokens, completionTokens, costUsd);
    }
  }

  private static GatewayError refusal(String keyId, BudgetLimits limits, ReserveResult.Denied denied) {
    long retryAfterMs = Math.max(1000, denied.retryAfterMs());
    return switch (denied.reason()) {
      case UNAVAILABLE -> new GatewayError(503, ErrorKind.OVERLOADED,
          "The shared budget of client key '" + keyId + "' is unavailable; please try again shortly.", null, null, retryAfterMs);
      case TOO_LARGE -> new GatewayError(429, ErrorKind.RATE_LIMIT_TOKENS, "Request too large for the tokens-per-minute limit ("
          + limits.tpm() + ") of client key '" + keyId + "'.", null, "rate_limit_exceeded", 0);
      case REQUESTS -> new GatewayError(429, ErrorKind.RATE_LIMIT_REQUESTS, "Client key '" + keyId + "' is over its limit of "
          + limits.rpm() + " requests per minute. Please try again in " + (retryAfterMs + 999) / 1000 + "s.", null,
          "rate_limit_exceeded", retryAfterMs);
      default -> new GatewayError(429, ErrorKind.RATE_LIMIT_TOKENS, "Client key '" + keyId + "' is over its limit of "
          + limits.tpm() + " tokens per minute. Please try again in " + (retryAfterMs + 999) / 1000 + "s.", null,
          "rate_limit_exceeded", retryAfterMs);
    };
  }
}
