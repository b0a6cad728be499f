package dev.modelmux.config;

import java.net.URI;

/**
 * Where the shared budgets live.
 *
 * @param timeoutMs how long one budget call may wait on Redis before the replica answers from its local share
 * @param localShare the fraction of each deployment's limits this replica may use on its own while Redis is away
 */
public record RedisConfig(URI url, long timeoutMs, double localShare) {}
