package dev.modelmux.gateway;

import dev.modelmux.api.ClientDialect;
import io.vertx.core.json.JsonObject;

/**
 * A validated completion request. The body stays in the client's own dialect (each translator reads what
 * it needs); the fields every stage uses are lifted out once.
 *
 * @param maxOutputTokens the client's output cap, or null when it set none
 * @param bodyBytes the size of the body as received (large prompts are counted off the event loop)
 */
public record ChatRequest(
    String requestId,
    ClientDialect dialect,
    JsonObject body,
    String model,
    boolean stream,
    boolean includeUsage,
    Integer maxOutputTokens,
    int bodyBytes) {}
