package dev.modelmux.metrics;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The OpenTelemetry GenAI semantic conventions' client metrics, beside the modelmux_* ones, for dashboards built on
 * them: per request as the client saw it (not per attempt). Attribute values are bounded: the route (as
 * {@code gen_ai.request.model}), the answering deployment's provider and model, fixed token types and error kinds.
 * In Prometheus the dots become underscores ({@code gen_ai_client_token_usage_bucket{gen_ai_token_type="input"}}).
 * Each attribute set's meters are registered once and kept, so a request looks them up without a lock and only records.
 */
public final class GenAiMeters {
  /** The conventions' recommended bucket boundaries. */
  private static final double[] TOKEN_BUCKETS = {1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216,
      67108864};
  private static final Duration[] DURATION_BUCKETS = seconds(0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48,
      40.96, 81.92);
  private static final Duration[] TTFT_BUCKETS = seconds(0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5,
      5.0, 7.5, 10.0);
  private static final Duration[] PER_TOKEN_BUCKETS = seconds(0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5);

  private record Key(String provider, String requestModel, String responseModel, String errorType) {}

  /** One attribute set's meters. */
  private record Meters(Timer duration, DistributionSummary input, DistributionSummary output) {}

  /** A streamed answer's timings, registered with its first one (so requests that never stream show none). */
  private record StreamMeters(Timer ttft, Timer perToken) {}

  private final MeterRegistry registry;
  private final Map<Key, Meters> meters = new ConcurrentHashMap<>();
  private final Map<Key, StreamMeters> streamMeters = new ConcurrentHashMap<>();

  GenAiMeters(MeterRegistry registry) {
    this.registry = registry;
  }

  /**
   * One request as the client saw it.
   *
   * @param provider {@code openai}, {@code azure.ai.openai} or {@code anthropic} (the conventions' names), or null when
   *     no provider answered
   * @param responseModel the answering deployment's model, or null
   * @param errorType the error's kind when the request failed, else null
   * @param ttftMs the time to the first content the client got, or -1 for none (non-streamed answers have none)
   */
  public void request(String provider, String requestModel, String responseModel, String errorType, long promptTokens,
      long completionTokens, long ttftMs, long totalMs, boolean stream) {
    Key key = new Key(provider == null ? "none" : provider, requestModel, responseModel == null ? "none" : responseModel,
        errorType == null ? "none" : errorType);
    Meters m = meters.get(key);
    if (m == null) {
      m = meters.computeIfAbsent(key, this::register);
    }
    m.duration().record(totalMs, TimeUnit.MILLISECONDS);
    if (promptTokens >= 0) {
      m.input().record(promptTokens);
    }
    if (completionTokens >= 0) {
      m.output().record(completionTokens);
    }
    if (stream && ttftMs >= 0 && errorType == null) {
      StreamMeters s = streamMeters.get(key);
      if (s == null) {
        s = streamMeters.computeIfAbsent(key, this::registerStream);
      }
      s.ttft().record(ttftMs, TimeUnit.MILLISECONDS);
      if (completionTokens > 1) {
        s.perToken().record((totalMs - ttftMs) * 1_000_000 / (completionTokens - 1), TimeUnit.NANOSECONDS);
      }
    }
  }

  private static Tags tags(Key key) {
    return Tags.of("gen_ai.operation.name", "chat", "gen_ai.provider.name", key.provider(), "gen_ai.request.model", key.requestModel(),
        "gen_ai.response.model", key.responseModel());
  }

  private Meters register(Key key) {
    Tags tags = tags(key);
    Timer duration = Timer.builder("gen_ai.client.operation.duration").description("GenAI operation duration, as the client saw it")
        .tags(tags).tag("error.type", key.errorType()).serviceLevelObjectives(DURATION_BUCKETS).register(registry);
    return new Meters(duration, tokens(tags, "input"), tokens(tags, "output"));
  }

  private StreamMeters registerStream(Key key) {
    Tags tags = tags(key);
    return new StreamMeters(
        Timer.builder("gen_ai.server.time_to_first_token").description("Time to the first token the client got").tags(tags)
            .serviceLevelObjectives(TTFT_BUCKETS).register(registry),
        Timer.builder("gen_ai.server.time_per_output_token").description("Time per output token after the first").tags(tags)
            .serviceLevelObjectives(PER_TOKEN_BUCKETS).register(registry));
  }

  private DistributionSummary tokens(Tags tags, String type) {
    return DistributionSummary.builder("gen_ai.client.token.usage").description("Tokens used per request, by type").tags(tags)
        .tag("gen_ai.token.type", type).serviceLevelObjectives(TOKEN_BUCKETS).register(registry);
  }

  private static Duration[] seconds(double... values) {
    Duration[] out = new Duration[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = Duration.ofNanos((long) (values[i] * 1e9));
    }
    return out;
  }
}
