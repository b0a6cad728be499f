package dev.modelmux.budget;

/**
 * Capacity held for one request until it is settled.
 *
 * @param id unique per reservation: a store that cannot tell whether a call reached Redis settles or releases it by
 *     this id, and Redis applies each id once
 * @param tokens the tokens reserved (prompt estimate + the output the request may produce)
 * @param slot where the reservation was recorded (the store's window bucket), so settling corrects the same slot
 * @param local true when it was taken from this replica's local budget (Redis unreachable)
 */
public record Reservation(String deploymentId, String id, long tokens, long slot, boolean local) {}
