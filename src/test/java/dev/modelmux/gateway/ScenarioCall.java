package dev.modelmux.gateway;

import dev.modelmux.core.SseEvent;
import dev.modelmux.testing.TestClient;
import dev.modelmux.testing.TestClient.StreamReply;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One streamed chat call as failoverbench's careful client reads it: a non-200 status is an error; an event that is
 * not JSON is skipped; an in-band {@code error} event is an error whatever came before it; a connection that breaks
 * before {@code [DONE]} is an error; anything else is a success whose text is the deltas' content, whose model and
 * usage are the last ones the chunks named. A call that has not ended within its bound is a hang.
 *
 * @param status the HTTP status, 0 for a hang
 * @param errorCode the error's {@code code} (or {@code type} when it has none), null on success
 */
record ScenarioCall(Outcome outcome, String content, String reportedModel, JsonObject usage, int status, String errorCode,
    String error, long startedNanos, long elapsedMs) {

  enum Outcome { SUCCESS, ERROR, HANG }

  /** Streams {@code messages} to {@code route} with usage asked for; a call not over within {@code maxWallMs} is a hang. */
  static ScenarioCall stream(TestClient client, String route, JsonArray messages, long maxWallMs) {
    JsonObject body = new JsonObject().put("model", route).put("messages", messages).put("stream", true)
        .put("stream_options", new JsonObject().put("include_usage", true));
    long start = System.nanoTime();
    try {
      StreamReply reply = client.stream(body).toCompletionStage().toCompletableFuture().get(maxWallMs, TimeUnit.MILLISECONDS);
      return read(reply, start, msSince(start));
    } catch (TimeoutException e) {
      return new ScenarioCall(Outcome.HANG, "", null, null, 0, null, "no end within " + maxWallMs + " ms", start, msSince(start));
    } catch (Exception e) {
      return new ScenarioCall(Outcome.ERROR, "", null, null, 0, null, "request failed: " + e, start, msSince(start));
    }
  }

  private static ScenarioCall read(StreamReply reply, long start, long elapsedMs) {
    if (reply.status() != 200) {
      JsonObject error = errorOf(reply.raw().toString());
      return new ScenarioCall(Outcome.ERROR, "", null, null, reply.status(), code(error), "HTTP " + reply.status() + ": "
          + (error == null ? reply.raw() : error.getString("message")), start, elapsedMs);
    }
    StringBuilder content = new StringBuilder();
    String model = null;
    JsonObject usage = null;
    for (SseEvent event : reply.events()) {
      if (event.data().equals("[DONE]")) {
        return success(content, model, usage, start, elapsedMs);
      }
      JsonObject chunk = json(event.data());
      if (chunk == null) {
        continue;
      }
      if (chunk.getValue("error") instanceof JsonObject error) {
        return new ScenarioCall(Outcome.ERROR, content.toString(), model, usage, 200, code(error),
            "in-band error after " + content.length() + " chars: " + error.getString("message"), start, elapsedMs);
      }
      model = chunk.getString("model", model);
      usage = chunk.getValue("usage") instanceof JsonObject u ? u : usage;
      JsonArray choices = chunk.getJsonArray("choices");
      for (int i = 0; choices != null && i < choices.size(); i++) {
        Object piece = choices.getJsonObject(i).getJsonObject("delta", new JsonObject()).getValue("content");
        content.append(piece instanceof String s ? s : "");
      }
    }
    if (!reply.ended()) {
      return new ScenarioCall(Outcome.ERROR, content.toString(), model, usage, 200, null, "connection broken mid-stream", start,
          elapsedMs);
    }
    return success(content, model, usage, start, elapsedMs);
  }

  private static ScenarioCall success(StringBuilder content, String model, JsonObject usage, long start, long elapsedMs) {
    return new ScenarioCall(Outcome.SUCCESS, content.toString(), model, usage, 200, null, null, start, elapsedMs);
  }

  boolean succeeded() {
    return outcome == Outcome.SUCCESS;
  }

  /** Whitespace-normalised, as the benchmark compares answers. */
  boolean says(String canonical) {
    return normalised(content).equals(normalised(canonical));
  }

  String summary() {
    return outcome == Outcome.SUCCESS
        ? "success, " + normalised(content).split(" ").length + " words in " + elapsedMs + " ms"
        : outcome.name().toLowerCase(Locale.ROOT) + " after " + elapsedMs + " ms: " + error;
  }

  private static String normalised(String text) {
    return text.strip().replaceAll("\\s+", " ");
  }

  private static JsonObject errorOf(String body) {
    JsonObject json = json(body);
    return json != null && json.getValue("error") instanceof JsonObject error ? error : null;
  }

  private static String code(JsonObject error) {
    if (error == null) {
      return null;
    }
    return error.getValue("code") instanceof String code ? code : error.getString("type");
  }

  private static JsonObject json(String text) {
    try {
      return text.startsWith("{") ? new JsonObject(text) : null;
    } catch (DecodeException e) {
      return null;
    }
  }

  private static long msSince(long startNanos) {
    return (System.nanoTime() - startNanos) / 1_000_000;
  }
}
