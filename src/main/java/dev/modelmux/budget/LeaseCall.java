package dev.modelmux.budget;

import java.util.List;

/**
 * One call of the lease script about one deployment (see {@code lease.lua}): what this replica closes, restores and
 * wants, with the demand it reports for the proportional share.
 *
 * @param epoch the deployment's epoch as this replica last saw it ("" for none)
 * @param restoring the call restores this replica's leases after Redis lost the window
 */
record LeaseCall(String epoch, boolean restoring, long demandTokens, long demandRequests, List<Op> ops) {
  LeaseCall {
    ops = List.copyOf(ops);
  }

  /** {@code set}, {@code restore} or {@code want}; {@code a} and {@code b} as the script describes each. */
  record Op(String kind, String id, long tokens, long requests, long a, long b) {
    static Op set(String id, long tokens, long requests) {
      return new Op("set", id, tokens, requests, 0, 0);
    }

    static Op restore(String id, long tokens, long requests, long slot, boolean open) {
      return new Op("restore", id, tokens, requests, slot, open ? 1 : 0);
    }

    static Op want(String id, long tokens, long requests, long minTokens, long minRequests) {
      return new Op("want", id, tokens, requests, minTokens, minRequests);
    }
  }
}
