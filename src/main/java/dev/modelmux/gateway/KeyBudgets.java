package dev.modelmux.gateway;

import dev.modelmux.budget.BudgetLimits;
import dev.modelmux.budget.BudgetStore;
import dev.modelmux.budget.Reservation;
import dev.modelmux.budget.ReserveResult;
import dev.modelmux.config.AuthConfig;
import dev.modelmux.core.ErrorKind;
import dev.modelmux.core.GatewayError;
import dev.modelmux.core.GatewayException;
import dev.modelmux.core.Usage;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Client keys' own limits, held in the same budget store as the deployments' (so shared by every replica through
 * Redis): a request reserves on its key before any deployment is tried and settles with what it really used. A
 * runaway client is stopped at the door, before it can drain an account other teams depend on.
 */
public final class KeyBudgets {
  private static final String PREFIX = "client-key:";

  private final BudgetStore budgets;
  private final Map<String, BudgetLimits> byKey = new LinkedHashMap<>();

  public KeyBudgets(BudgetStore budgets, Optional<AuthConfig> auth) {
    this.budgets = budgets;
    auth.ifPresent(a -> a.keys().forEach(k -> byKey.put(k.id(),
        k.limits() == null ? null : new BudgetLimits(k.limits().tpm(), k.limits().rpm()))));
  }

  /** Each configured key (by id, never its value) with its limits, headroom and usage in the window, for /admin/keys. */
  public Future<JsonArray> report() {
    List<Future<JsonObject>> rows = new ArrayList<>();
    byKey.forEach((id, limits) -> rows.add(limits == null
        ? Future.succeededFuture(new JsonObject().put("id", id).putNull("limits"))
        : budgets.headroom(PREFIX + id, limits).map(h -> new JsonObject()
            .put("id", id)
            .put("limits", new JsonObject().put("tpm", limits.tpm()).put("rpm", limits.rpm()))
            .put("headroom", new JsonObject().put("tokens", h.tokensLeft()).put("requests", h.requestsLeft()))
            .put("used", new JsonObject().put("tokens", h.tokensUsed()).put("requests", h.requestsUsed())))));
    return Future.all(rows).map(all -> {
      JsonArray keys = new JsonArray();
      rows.forEach(row -> keys.add(row.result()));
      return keys;
    });
  }

  /** The reservation on the key, null when it has no limits of its own; fails with a 429 when it is over them. */
  Future<Reservation> reserve(String keyId, long tokens) {
    BudgetLimits limits = keyId == null ? null : byKey.get(keyId);
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

  /** Gives back what the request did not use; {@code reservation} may be null (no limits). */
  void settle(Reservation reservation, Usage usage) {
    if (reservation != null) {
      budgets.settle(reservation, Math.max(0, usage.promptTokens()) + Math.max(0, usage.completionTokens()));
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
