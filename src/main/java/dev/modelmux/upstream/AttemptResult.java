package dev.modelmux.upstream;

import dev.modelmux.core.GatewayError;
import dev.modelmux.core.Usage;
import dev.modelmux.routing.Deployment;
import dev.modelmux.spi.AnswerFilter;

/**
 * How an attempt that reached the client ended.
 *
 * @param errorAfterCommit the failure after the stream began, or null for a complete answer
 * @param continueFrom when the route continues failed streams: the text the client already has, the stream
 *     still open for another deployment to continue; null when the attempt ended the client's stream itself
 * @param filter the answer's post-processing, in the state a continuation must go on from
 */
public record AttemptResult(Deployment deployment, Usage usage, GatewayError errorAfterCommit, String continueFrom,
    AnswerFilter filter) {
  public AttemptResult(Deployment deployment, Usage usage, GatewayError errorAfterCommit) {
    this(deployment, usage, errorAfterCommit, null, AnswerFilter.NONE);
  }

  /** The same result with the usage the provider did not report filled in from an estimate. */
  public AttemptResult withUsageOr(Usage estimate) {
    Usage filled = new Usage(usage.promptTokens() >= 0 ? usage.promptTokens() : estimate.promptTokens(),
        usage.completionTokens() >= 0 ? usage.completionTokens() : estimate.completionTokens());
    return new AttemptResult(deployment, filled, errorAfterCommit, continueFrom, filter);
  }
}
