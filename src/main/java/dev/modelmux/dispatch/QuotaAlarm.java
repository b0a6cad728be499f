package dev.modelmux.dispatch;

import dev.modelmux.budget.BudgetStore;
import dev.modelmux.core.GatewayError;
import dev.modelmux.routing.Deployment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An account out of quota or credit (OpenAI's {@code insufficient_quota}, Anthropic's credit-balance errors) will not
 * recover in seconds: the deployment is paused for every replica for {@code quota_pause_ms}, counted, and reported
 * as a configuration alert, so requests stop being sent to it first.
 */
final class QuotaAlarm {
  private static final Logger LOG = LoggerFactory.getLogger(QuotaAlarm.class);

  private final BudgetStore budgets;
  private final long pauseMs;

  QuotaAlarm(BudgetStore budgets, long pauseMs) {
    this.budgets = budgets;
    this.pauseMs = pauseMs;
  }

  void exhausted(Deployment deployment, GatewayError error) {
    budgets.pause(deployment.id(), pauseMs);
    deployment.meters().quotaExhausted();
    LOG.error("CONFIGURATION ALERT: deployment {} ({}) is out of quota or credit (upstream status {}); paused for every replica"
        + " for {} ms. Add credit or raise the account's quota.", deployment.id(), deployment.config().provider().wireName(),
        error.status(), pauseMs);
  }
}
