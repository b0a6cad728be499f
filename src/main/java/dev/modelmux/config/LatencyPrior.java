package dev.modelmux.config;

/**
 * What a deployment's latency is assumed to be before it has been measured: the warm start of its learned deadlines.
 *
 * @param firstTokenP99Ms the assumed 99th percentile of its time to first token
 * @param gapP99Ms the assumed 99th percentile of a stream's longest gap between events
 */
public record LatencyPrior(long firstTokenP99Ms, long gapP99Ms) {
  public static final LatencyPrior DEFAULT = new LatencyPrior(2_500, 2_500);
}
