package dev.modelmux.emulator;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * A chat request after its dialect was parsed: what admission and the answer planner need.
 *
 * @param messages the conversation in OpenAI message shape (what {@code TokenCounter.countChat} counts; for
 *     Anthropic requests the OpenAI equivalent described in {@code AnthropicRequests})
 * @param turns the conversation as roles and texts (what {@link AnswerText} reads)
 * @param tools the declared tools in OpenAI shape, or null
 * @param forcedTool the {@code function} object ({name, parameters, ...}) the answer must call, or null
 * @param maxTokens the output cap asked for, or null
 * @param stop stop sequences (possibly empty)
 */
public record ChatRequest(
    String model, String apiKey, JsonArray messages, List<Turn> turns, JsonArray tools, JsonObject forcedTool,
    boolean stream, boolean includeUsage, Integer maxTokens, List<String> stop) {}
