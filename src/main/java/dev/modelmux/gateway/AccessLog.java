package dev.modelmux.gateway;

import dev.modelmux.core.Usage;
import dev.modelmux.exchange.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One line per request, key=value, never a body or a key. */
public final class AccessLog {
  private static final Logger LOG = LoggerFactory.getLogger("modelmux.access");

  private AccessLog() {}

  static void log(Exchange exchange, int status, Usage usage, long totalMs, String outcome) {
    log(exchange.request().requestId(), exchange.route(), exchange.deploymentId(), status, usage, exchange.ttftMs(), totalMs, outcome,
        exchange.clientKeyId(), exchange.prompt());
  }

  /** A request refused before routing (bad input): no route, no deployment, no tokens. */
  public static void rejected(String requestId, int status, long totalMs) {
    rejected(requestId, status, totalMs, "rejected", null);
  }

  /** @param keyId the id (never the value) of the client key that called, or null when none was recognised */
  public static void rejected(String requestId, int status, long totalMs, String outcome, String keyId) {
    log(requestId, null, null, status, Usage.UNKNOWN, -1, totalMs, outcome, keyId, null);
  }

  private static void log(String requestId, String route, String deployment, int status, Usage usage, long ttftMs, long totalMs,
      String outcome, String keyId, String prompt) {
    if (LOG.isInfoEnabled()) {
      LOG.info("request_id={} route={} deployment={} status={} prompt_tokens={} completion_tokens={} ttft_ms={} total_ms={} outcome={} "
          + "key={} prompt={}", requestId, dash(route), dash(deployment), status, usage.promptTokens(), usage.completionTokens(), ttftMs,
          totalMs, outcome, dash(keyId), dash(prompt));
    }
  }

  private static String dash(String value) {
    return value == null ? "-" : value;
  }
}
