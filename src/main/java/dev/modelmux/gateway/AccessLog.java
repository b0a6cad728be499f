package dev.modelmux.gateway;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One line per request, key=value, never a body or a key. */
final class AccessLog {
  private static final Logger LOG = LoggerFactory.getLogger("modelmux.access");

  private AccessLog() {}

  static void log(ClientChannel client, int status, Usage usage, long totalMs, String outcome) {
    if (!LOG.isInfoEnabled()) {
      return;
    }
    LOG.info("request_id={} route={} deployment={} status={} prompt_tokens={} completion_tokens={} ttft_ms={} total_ms={} outcome={}",
        client.request().requestId(), dash(client.routeName()), dash(client.deploymentId()), status,
        usage.promptTokens(), usage.completionTokens(), client.ttftMs(), totalMs, outcome);
  }

  private static String dash(String value) {
    return value == null ? "-" : value;
  }
}
