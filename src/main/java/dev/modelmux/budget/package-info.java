/**
 * Token budgets (TPM/RPM) per deployment.
 *
 * <ul>
 *   <li>{@link dev.modelmux.budget.LocalBudgetStore}: in process; the embedded default and the fallback.</li>
 *   <li>{@link dev.modelmux.budget.RedisBudgetStore}: shared by every replica; one {@code EVALSHA} per call
 *       (scripts in {@code src/main/resources/budget/}, each prefixed by {@code common.lua}).</li>
 *   <li>{@link dev.modelmux.budget.FailoverBudgetStore}: Redis while it answers, the local share while it does not.</li>
 *   <li>{@link dev.modelmux.budget.BudgetStores#create}: picks one for a configuration.</li>
 * </ul>
 *
 * <p>Window: the last {@code ceil(windowMs / 1000)} one-second slots, the current one included (Redis server time for
 * the Redis store, an injectable clock for the local one). Usage is the sum of the live slots; a slot recorded at
 * second {@code s} leaves at {@code (s + slots) * 1000} ms, so a denial's {@code retryAfterMs} is exact and the budget
 * frees one second at a time, never all at once. Redis keys, per deployment (one hash tag, cluster-safe):
 * {@code <prefix>{<deployment>}:w} (hash; fields {@code t:<sec>} tokens and {@code r:<sec>} requests; PEXPIRE window
 * + 1 s on every write) and {@code <prefix>{<deployment>}:pause} (SET PX). Given-back tokens are published on
 * {@code <prefix>freed} as {@code <instance>:<deployment>}.
 */
package dev.modelmux.budget;
