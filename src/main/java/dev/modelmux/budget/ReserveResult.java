package dev.modelmux.budget;

/** The answer to a reservation: capacity granted, or refused with when to try again. */
public sealed interface ReserveResult {
  record Granted(Reservation reservation, Headroom after) implements ReserveResult {}

  /** @param retryAfterMs when enough of the window will have slid by (or the pause ends) for this request to fit */
  record Denied(long retryAfterMs, Headroom now, Reason reason) implements ReserveResult {}

  /** UNAVAILABLE: the shared budget cannot be reached and the store is configured to refuse rather than guess. */
  enum Reason { TOKENS, REQUESTS, PAUSED, TOO_LARGE, UNAVAILABLE }
}
