package dev.modelmux.spi;

import dev.modelmux.core.Dialect;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * One answered (or refused) request as the interaction log records it, taken when the request ended.
 *
 * @param request the body as sent to the deployment that answered (a task call's rendering), in the client's dialect
 * @param answer the bytes the client received (bounded), from which the log reads the output text off the hot path
 * @param attempts every deployment tried, in order, with its outcome (the fallback chain)
 * @param guardFindings the rule of each secret the guard found
 * @param variables a task call's variables (as sent, after the guard), or null
 * @param rawOutput the model's text before the variant's post-processing, or null when it had none
 * @param providerAnnotations what the provider attached for the operator and the client was not sent (Azure's
 *     content-filter results), or null
 * @param evalRun the {@code eval} run it was made by (operator-tagged eval traffic), or null for ordinary traffic
 */
public record Interaction(String requestId, long startedAtMs, Dialect dialect, boolean stream, String route, String clientKey,
    String task, String prompt, String deployment, List<Attempt> attempts, int status, String outcome, int tokensTrimmed,
    List<String> guardFindings, JsonObject request, Buffer answer, long promptTokens, long completionTokens, double costUsd,
    long ttftMs, long totalMs, JsonObject variables, String rawOutput, JsonObject providerAnnotations,
    String evalRun) {

  /**
   * The id a request is logged under: its request id, after the calling client key's id and a space when a key called
   * (a request id holds no spaces, so the pair is unambiguous). Clients may choose their request ids; this keeps one
   * key's ids from colliding with, taking or revealing another key's.
   */
  public static String logId(String clientKeyId, String requestId) {
    return clientKeyId == null ? requestId : clientKeyId + " " + requestId;
  }

  /** One deployment tried, and how it ended ({@code ok}, or the error kind). */
  public record Attempt(String deployment, String outcome) {}
}
