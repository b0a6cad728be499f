package dev.modelmux.interactions;

import dev.modelmux.spi.Interaction;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Locale;

/** An ended request as a stored row; without content logging, only hashes and sizes of the prompt and the answer. */
final class InteractionRows {
  private InteractionRows() {}

  static InteractionRow of(Interaction i, boolean logContent, double weight) {
    AnswerTexts.Text answer = AnswerTexts.of(i.dialect(), i.stream(), i.answer());
    String request = i.request() == null ? "" : i.request().encode();
    JsonArray attempts = new JsonArray();
    i.attempts().forEach(a -> attempts.add(new JsonObject().put("deployment", a.deployment()).put("outcome", a.outcome())));
    String day = Instant.ofEpochMilli(i.startedAtMs()).atZone(ZoneOffset.UTC).toLocalDate().toString();
    return new InteractionRow(i.requestId(), Arrays.asList(
        i.requestId(), i.startedAtMs(), day, i.dialect().name().toLowerCase(Locale.ROOT), i.stream(), i.route(),
        i.clientKey(), i.task(), i.prompt(), i.deployment(), attempts.encode(), i.status(), i.outcome(), i.tokensTrimmed(),
        new JsonArray(i.guardFindings()).encode(), logContent && i.request() != null ? request : null, sha256(request), request.length(),
        logContent ? answer.output() : null, sha256(answer.output()), answer.output().length(), answer.finishReason(),
        i.promptTokens(), i.completionTokens(), i.costUsd(), weight, i.ttftMs(), i.totalMs(),
        logContent && i.variables() != null ? i.variables().encode() : null, language(i.variables()),
        Math.floorMod(i.requestId().hashCode(), 100), logContent ? i.rawOutput() : null,
        i.providerAnnotations() == null ? null : i.providerAnnotations().encode(), i.evalRun()));
  }

  private static String language(JsonObject variables) {
    Object language = variables == null ? null : variables.getValue("language");
    return language instanceof String s && !s.isBlank() ? s.strip().toLowerCase(Locale.ROOT) : null;
  }

  private static String sha256(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
