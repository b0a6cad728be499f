package dev.modelmux.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One client key's meters, tagged by its id from the config (never the key): requests by outcome, tokens and spend.
 * The set of ids is fixed at start, so the tag stays bounded whatever clients send.
 */
public final class KeyMeters {
  private final MeterRegistry registry;
  private final String id;
  /** How a request can end, as ChatService tells it: registered at start so every key's series exist from zero. */
  private static final List<String> OUTCOMES =
      List.of("ok", "failed_mid_stream", "error", "client_gone", "client_stalled", "shutdown", "key_refused", "secret_refused",
          "unknown_model", "forbidden", "rejected");

  private final Map<String, Counter> requests = new ConcurrentHashMap<>();
  private final Counter tokensIn;
  private final Counter tokensOut;
  private final Counter spend;

  KeyMeters(MeterRegistry registry, String id) {
    this.registry = registry;
    this.id = id;
    OUTCOMES.forEach(this::requestCounter);
    tokensIn = tokens("in");
    tokensOut = tokens("out");
    spend = Counter.builder("modelmux_key_spend_usd_total").description("What a client key's requests cost, at the deployments' prices")
        .tag("key", id).register(registry);
  }

  /** A request's end, with what it used over all its attempts and what that cost. */
  public void request(String outcome, long promptTokens, long completionTokens, double costUsd) {
    Counter counter = requests.get(outcome);
    (counter != null ? counter : requestCounter(outcome)).increment();
    if (promptTokens > 0) {
      tokensIn.increment(promptTokens);
    }
    if (completionTokens > 0) {
      tokensOut.increment(completionTokens);
    }
    if (costUsd > 0) {
      spend.increment(costUsd);
    }
  }

  /** Requests ended since this process started, every outcome together (whichever event loop served them). */
  public long requests() {
    return Math.round(registry.find("modelmux_key_requests_total").tag("key", id).counters().stream().mapToDouble(Counter::count).sum());
  }

  public long tokensIn() {
    return Math.round(tokensIn.count());
  }

  public long tokensOut() {
    return Math.round(tokensOut.count());
  }

  public double spendUsd() {
    return spend.count();
  }

  private Counter requestCounter(String outcome) {
    return requests.computeIfAbsent(outcome, o -> Counter.builder("modelmux_key_requests_total")
        .description("Client requests by key and outcome").tag("key", id).tag("outcome", o).register(registry));
  }

  private Counter tokens(String direction) {
    return Counter.builder("modelmux_key_tokens_total").description("Tokens used by a client key's requests, over all attempts")
        .tag("key", id).tag("direction", direction).register(registry);
  }
}
