package dev.modelmux.emulator;

import io.vertx.core.json.JsonObject;

/**
 * A snapshot of what one emulated model saw.
 *
 * @param requests chat requests naming this model (every outcome)
 * @param ok responses sent with status 200 (including streams later cut by a fault)
 * @param rateLimited 429 responses (rate limits and injected 429s)
 * @param errors other error statuses (400, 401, 5xx ...)
 * @param faults requests a fault was played on
 * @param streamsCompleted streams that ended with their terminator
 * @param peerClosed connections the client closed while a request was in flight
 * @param promptTokens prompt tokens of answers whose finish was delivered
 * @param completionTokens completion tokens of those answers
 * @param maxRequestsInWindow the most requests one API key had admitted within any 60 s window
 * @param maxTokensInWindow the most tokens (prompt + requested output) one key had admitted within any 60 s window
 * @param piecesSent content pieces written to streams
 * @param drainWaits times a stream waited for a slow reader to drain its write queue (backpressure felt)
 */
public record ModelStats(
    long requests, long ok, long rateLimited, long errors, long faults, long streamsCompleted, long peerClosed,
    long promptTokens, long completionTokens, long maxRequestsInWindow, long maxTokensInWindow,
    long piecesSent, long drainWaits) {

  public JsonObject toJson() {
    return new JsonObject()
        .put("requests", requests)
        .put("ok", ok)
        .put("rate_limited", rateLimited)
        .put("errors", errors)
        .put("faults", faults)
        .put("streams_completed", streamsCompleted)
        .put("peer_closed", peerClosed)
        .put("prompt_tokens", promptTokens)
        .put("completion_tokens", completionTokens)
        .put("max_requests_in_window", maxRequestsInWindow)
        .put("max_tokens_in_window", maxTokensInWindow)
        .put("pieces_sent", piecesSent)
        .put("drain_waits", drainWaits);
  }
}
