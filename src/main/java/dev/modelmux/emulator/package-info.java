/**
 * The built-in provider emulator: a real HTTP server speaking provider wire formats with
 * deterministic answers, exact usage, context windows, per-key rate limits and switchable faults.
 *
 * <p>How a chat request flows, one class per job:
 * <ol>
 *   <li>{@link dev.modelmux.emulator.Emulator} routes; {@code ChatHandler} drives one request.</li>
 *   <li>Dialect reading ({@code OpenAiRequests}, via {@code WireFormat.read}) gives a wire-neutral
 *       {@link dev.modelmux.emulator.ChatRequest}; {@code Admission} checks model, context window and
 *       {@code RateLimits} ({@code SlidingWindow} per API key × model).</li>
 *   <li>{@link dev.modelmux.emulator.AnswerPlanner} makes an {@link dev.modelmux.emulator.AnswerPlan}
 *       (text from {@link dev.modelmux.emulator.AnswerText}, or a tool call from
 *       {@link dev.modelmux.emulator.ToolArguments}), rendered as {@link dev.modelmux.emulator.StreamEvent}s.</li>
 *   <li>{@code WireFormat} ({@code OpenAiFormat} today) turns plans, events and
 *       {@link dev.modelmux.emulator.ApiError}s into bodies, SSE chunks and headers.</li>
 *   <li>{@code AnswerPlayer} plays the plan with timing, backpressure and the fault drawn from
 *       {@code FaultBoard}; {@code Exchange} tracks timers and the peer closing.</li>
 * </ol>
 * A new dialect (Azure OpenAI, Anthropic) is a new {@code WireFormat} plus a route.
 */
package dev.modelmux.emulator;
