package dev.modelmux.upstream;

import dev.modelmux.core.GatewayError;
import io.vertx.core.buffer.Buffer;

/**
 * How one attempt ended, as a value: its relay, its deadlines, the client leaving or a racing attempt complete one
 * future with it, the first of them wins, and the attempt acts on it in one place ({@link UpstreamAttempt}).
 */
sealed interface AttemptOutcome {
  /** The answer is complete: {@code last} ends the client's response. */
  record Complete(Buffer last) implements AttemptOutcome {}

  /** The provider failed: an error answer, a broken or unreadable stream, a missed deadline, no connection. */
  record Failed(GatewayError error) implements AttemptOutcome {}

  /** The client left, or the gateway shut its answer down. */
  record ClientGone() implements AttemptOutcome {}

  /** The client's write queue stayed full for its stall bound: the client is cut off, the provider is not at fault. */
  record Stalled() implements AttemptOutcome {}

  /** A racing attempt (a hedge) took the client's response. */
  record LostRace() implements AttemptOutcome {}
}
