package dev.modelmux.gateway;

import dev.modelmux.core.ChatRequest;
import dev.modelmux.exchange.Exchange;
import dev.modelmux.prompts.TaskCall;
import dev.modelmux.spi.Interaction;
import dev.modelmux.spi.InteractionSink;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * A sampled request's recording: its interaction is taken from the exchange (which keeps its answer), what was sent
 * and the guard's findings.
 */
record SampledRecording(InteractionSink sink, Exchange exchange, ChatRequest sent, TaskCall task, List<String> findings) implements Recording {
  @Override
  public void ended(int status, String outcome, String rawOutput) {
    sink.record(of(status, outcome, rawOutput));
  }

  private Interaction of(int status, String outcome, String rawOutput) {
    long totalMs = (System.nanoTime() - exchange.startNanos()) / 1_000_000;
    ChatRequest rendered = sentByTheAnswerer();
    String logId = Interaction.logId(exchange.clientKeyId(), exchange.request().requestId());
    return new Interaction(logId, System.currentTimeMillis() - totalMs, exchange.request().dialect(),
        exchange.request().stream(), exchange.route(), exchange.clientKeyId(), task == null ? null : task.task().name(), exchange.prompt(),
        exchange.deploymentId(), exchange.attemptOutcomes(), status, outcome, exchange.tokensTrimmed(), findings,
        rendered == null ? null : rendered.body(),
        exchange.keptAnswer().bytes(), exchange.bill().promptTokens(), exchange.bill().completionTokens(),
        exchange.bill().costUsd(), exchange.ttftMs(), totalMs,
        task == null ? null : new JsonObject(new LinkedHashMap<>(task.variables())), rawOutput, exchange.providerAnnotations(),
        exchange.evalRun());
  }

  /**
   * A task call's rendering for the variant that answered (the last one tried), or null when none was (the client's
   * own body may hold what the guard took out); a plain request as sent, after the guard.
   */
  private ChatRequest sentByTheAnswerer() {
    if (task == null) {
      return sent;
    }
    return exchange.prompt() == null ? null : task.task().variants().stream().filter(v -> v.label().equals(exchange.prompt()))
        .findFirst().map(task::renderFor).orElse(null);
  }
}
