/**
 * Token budgets (TPM/RPM) per deployment.
 *
 * <ul>
 *   <li>{@link dev.modelmux.budget.LocalBudgetStore}: in process; the embedded default, and the fallback that
 *       continues the shared window (mirrored from every Redis reply) while Redis is away.</li>
 *   <li>{@link dev.modelmux.budget.RedisBudgetStore}: shared by every replica; one {@code EVALSHA} per call on a
 *       pipelined connection per event loop ({@link dev.modelmux.budget.RedisLink}; scripts in
 *       {@code src/main/resources/budget/}, each prefixed by {@code common.lua}).</li>
 *   <li>{@link dev.modelmux.budget.FailoverBudgetStore}: Redis while it answers (a breaker on consecutive failures),
 *       the local share while it does not; reconciles by reservation id.</li>
 *   <li>{@link dev.modelmux.budget.BudgetStores#create}: picks one for a configuration.</li>
 * </ul>
 *
 * <p>Window: the last {@code ceil(windowMs / 1000)} one-second slots, the current one included (Redis server time for
 * the Redis store, an injectable clock for the local one). Usage is the sum of the live slots; a slot recorded at
 * second {@code s} leaves at {@code (s + slots) * 1000} ms, so a denial's {@code retryAfterMs} is exact and the budget
 * frees one second at a time, never all at once. Redis keys, per deployment, all with one hash tag (one cluster slot):
 * {@code <prefix>{<deployment>}:w} (the window hash), {@code :pause}, {@code :epoch}, {@code :r:<reservation id>},
 * {@code :barrier}, {@code :restored} and {@code :waiting} (see {@code common.lua}); live replicas in
 * {@code <prefix>{replicas}}. Freed budget goes to one waiting replica on {@code <prefix>freed} as
 * {@code <replica> <deployment> <tokens free>}.
 */
package dev.modelmux.budget;
