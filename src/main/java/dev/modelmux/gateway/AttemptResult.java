package dev.modelmux.gateway;

import dev.modelmux.routing.Deployment;

/**
 * How an attempt that reached the client ended.
 *
 * @param errorAfterCommit the failure reported in-band after the stream began, or null for a complete answer
 */
public record AttemptResult(Deployment deployment, Usage usage, GatewayError errorAfterCommit) {}
