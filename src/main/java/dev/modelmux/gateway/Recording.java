package dev.modelmux.gateway;

import dev.modelmux.core.ChatRequest;
import dev.modelmux.core.Interaction;
import dev.modelmux.prompts.TaskCall;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.List;

/** What a sampled request's interaction is taken from when it ends: the client's channel, what was sent, the guard's findings. */
record Recording(ClientChannel client, ChatRequest sent, TaskCall task, List<String> findings, long startNanos) {
  Interaction of(int status, String outcome, String rawOutput) {
    long totalMs = (System.nanoTime() - startNanos) / 1_000_000;
    ChatRequest rendered = sentByTheAnswerer();
    String logId = Interaction.logId(client.clientKeyId(), client.request().requestId());
    return new Interaction(logId, System.currentTimeMillis() - totalMs, client.request().dialect(),
        client.request().stream(), client.routeName(), client.clientKeyId(), task == null ? null : task.task().name(), client.prompt(),
        client.deploymentId(), client.attemptOutcomes(), status, outcome, client.tokensTrimmed(), findings,
        rendered == null ? null : rendered.body(),
        client.keptAnswer(), client.promptTokensBilled(), client.completionTokensBilled(), client.costUsd(), client.ttftMs(), totalMs,
        task == null ? null : new JsonObject(new LinkedHashMap<>(task.variables())), rawOutput, client.providerAnnotations(),
        client.evalRun());
  }

  /**
   * A task call's rendering for the variant that answered (the last one tried), or null when none was (the client's
   * own body may hold what the guard took out); a plain request as sent, after the guard.
   */
  private ChatRequest sentByTheAnswerer() {
    if (task == null) {
      return sent;
    }
    return client.prompt() == null ? null : task.task().variants().stream().filter(v -> v.label().equals(client.prompt()))
        .findFirst().map(task::renderFor).orElse(null);
  }
}
