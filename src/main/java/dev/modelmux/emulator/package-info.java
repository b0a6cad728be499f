/**
 * The built-in provider emulator: a real HTTP server speaking provider wire formats with
 * deterministic answers, exact usage, context windows, per-key rate limits and switchable faults.
 *
 * <p>How a chat request flows, one class per job:
 * <ol>
 *   <li>{@link dev.modelmux.emulator.Emulator} routes; {@code ChatHandler} drives one request.</li>
 *   <li>Dialect reading ({@code OpenAiRequests}, {@code AnthropicRequests}, via {@code WireFormat.read}) gives a wire-neutral
 *       {@link dev.modelmux.emulator.ChatRequest}; {@code Admission} checks model, context window and
 *       {@code RateLimits} ({@code SlidingWindow} per API key × model).</li>
 *   <li>{@link dev.modelmux.emulator.AnswerPlanner} makes an {@link dev.modelmux.emulator.AnswerPlan}
 *       (text from {@link dev.modelmux.emulator.AnswerText}, or a tool call from
 *       {@link dev.modelmux.emulator.ToolArguments}), rendered as {@link dev.modelmux.emulator.StreamEvent}s.</li>
 *   <li>{@code WireFormat} ({@code OpenAiFormat}, {@code AzureFormat} = OpenAI plus content-filter
 *       annotations and Azure's errors, {@code AnthropicFormat}) turns plans, events and
 *       {@link dev.modelmux.emulator.ApiError}s into bodies, SSE chunks and headers.</li>
 *   <li>{@code AnswerPlayer} plays the plan with timing, backpressure and the fault drawn from
 *       {@code FaultBoard}; {@code Exchange} tracks timers and the peer closing.</li>
 * </ol>
 * A dialect is a {@code WireFormat} plus a route in {@code Emulator}: {@code /v1/chat/completions},
 * {@code /openai/deployments/{model}/chat/completions}, {@code /v1/messages}. Conversations become
 * {@link dev.modelmux.emulator.Turn}s the same way in every dialect, so the same conversation gets the
 * same answer, and rate limits, faults and stats are per model, shared by all dialects.
 */
package dev.modelmux.emulator;
