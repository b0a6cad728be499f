package dev.modelmux.prompts;

import dev.modelmux.core.ChatRequest;
import dev.modelmux.core.GatewayError;
import dev.modelmux.prompts.guard.Finding;
import dev.modelmux.prompts.guard.GuardMode;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;

/**
 * A route's secret guard ({@code guard: {secrets: ...}} on the route) on a plain request, which has no task of its
 * own: the same deterministic scan of its messages and system prompt before anything leaves the gateway.
 */
public final class RouteGuard {
  /**
   * @param request the request to send (or, refused, to record): the client's, or a copy with each secret replaced by
   *     {@code [REDACTED:rule]}
   * @param rules the rule of each finding, for the metrics
   * @param refusal the 400 a blocking guard answers with, or null
   */
  public record Guarded(ChatRequest request, List<String> rules, GatewayError refusal) {}

  private RouteGuard() {}

  /** @param mode off, redact or block, as the route's config says */
  public static Guarded apply(ChatRequest request, String mode, String route) {
    GuardMode guard = GuardMode.parse(mode);
    if (guard == null || guard == GuardMode.OFF) {
      return new Guarded(request, List.of(), null);
    }
    GuardedInput input = GuardedInput.scan(guard, "route '" + route + "'", Map.of(), request);
    List<String> rules = input.findings().stream().map(Finding::rule).toList();
    if (rules.isEmpty()) {
      return new Guarded(request, rules, null);
    }
    JsonObject body = request.body().copy();
    if (input.messages() != null) {
      body.put("messages", input.messages());
    }
    if (input.system() != null) {
      body.put("system", input.system());
    }
    ChatRequest redacted = new ChatRequest(request.requestId(), request.dialect(), body, request.model(), request.stream(),
        request.includeUsage(), request.maxOutputTokens(), body.toBuffer().length());
    return new Guarded(redacted, rules, input.refusal());
  }
}
