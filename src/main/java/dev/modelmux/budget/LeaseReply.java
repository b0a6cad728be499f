package dev.modelmux.budget;

/**
 * The lease script's answer (see {@code lease.lua}).
 *
 * @param code 0 done, 1 want denied for tokens, 2 for requests, 3 paused, 4 too large, 5 window lost (restore first),
 *     7 being restored
 * @param leaseTokens the open lease's totals after the call (what this replica may spend from it)
 * @param leaseSlot the Redis second the lease is booked at
 * @param tokensUsed the window's usage after the call, every replica's leases included
 * @param heldTokens what every replica's open leases hold
 * @param trickle the share of what is left capped the lease below what was asked
 */
record LeaseReply(int code, long leaseTokens, long leaseRequests, long leaseSlot, long retryAfterMs, long tokensUsed,
    long requestsUsed, long pausedForMs, String epoch, long nowSec, long heldTokens, long heldRequests, boolean trickle) {}
