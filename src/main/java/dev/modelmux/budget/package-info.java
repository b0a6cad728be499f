/**
 * Token budgets (TPM/RPM) per deployment (and per client key with limits).
 *
 * <ul>
 *   <li>{@link dev.modelmux.budget.LocalBudgetStore}: in process; the embedded default, and the local share while Redis
 *       is unavailable (it continues the shared window as the last lease replies reported it).</li>
 *   <li>{@link dev.modelmux.budget.LeasedBudgetStore}: shared by every replica through Redis, by lease: an
 *       {@link dev.modelmux.budget.Allowance} per deployment holds {@link dev.modelmux.budget.Lease}s and takes
 *       reservations from them in memory; it builds one {@link dev.modelmux.budget.LeaseCall} at a time, which
 *       {@link dev.modelmux.budget.RedisWindow} sends as one {@code EVALSHA} of {@code lease.lua} on a pipelined
 *       connection ({@link dev.modelmux.budget.RedisLink}; scripts in {@code src/main/resources/budget/}, each prefixed
 *       by {@code common.lua}).</li>
 *   <li>{@link dev.modelmux.budget.BudgetStores#create}: picks one for a configuration.</li>
 * </ul>
 *
 * <p>Window: the last {@code ceil(windowMs / 1000)} one-second slots, the current one included (Redis server time for
 * the shared window, an injectable clock for the local one), plus the slots of leases that end in the next seconds:
 * a lease is booked at the second it ends, so it counts from its grant until a whole window after its last possible
 * send. A slot recorded at second {@code s} leaves at {@code (s + slots) * 1000} ms, so a denial's
 * {@code retryAfterMs} is exact and the budget frees one second at a time, never all at once. Redis keys, per
 * deployment, all with one hash tag (one cluster slot): {@code <prefix>{<deployment>}:w} (the window hash),
 * {@code :leases} (every lease still in the window: slot, tokens, requests, open, replica), {@code :demand} (each
 * replica's recent demand, for the proportional share), {@code :pause}, {@code :epoch}, {@code :barrier},
 * {@code :restored}, {@code :waiting} and {@code :probe} (the replica that sends a half-open breaker's probe); live
 * replicas and the data epoch in {@code <prefix>{replicas}}. Budget a closed lease gave back goes to one waiting replica
 * on {@code <prefix>freed} as {@code <replica> <deployment> <tokens free>}; breakers that open or close are told to the
 * other replicas on {@code <prefix>breaker} ({@link dev.modelmux.budget.DeploymentSignals}).
 */
package dev.modelmux.budget;
