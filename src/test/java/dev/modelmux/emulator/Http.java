package dev.modelmux.emulator;

import dev.modelmux.core.SseEvent;
import dev.modelmux.stream.SseParser;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/** Small real-HTTP client helpers for the emulator tests. */
final class Http {
  static final String KEY = "sk-test-key";

  record Reply(int status, MultiMap headers, Buffer body) {
    JsonObject json() {
      return new JsonObject(body);
    }

    JsonObject error() {
      return json().getJsonObject("error");
    }
  }

  /** A stream's outcome: its events, whether the response ended cleanly, or the failure that ended it. */
  record Streamed(int status, MultiMap headers, List<SseEvent> events, boolean ended, Throwable failure) {
    List<JsonObject> chunks() {
      List<JsonObject> out = new ArrayList<>();
      for (SseEvent e : events) {
        if (!e.data().equals("[DONE]")) {
          out.add(new JsonObject(e.data()));
        }
      }
      return out;
    }

    boolean done() {
      return !events.isEmpty() && events.get(events.size() - 1).data().equals("[DONE]");
    }

    String text() {
      StringBuilder text = new StringBuilder();
      for (JsonObject chunk : chunks()) {
        JsonArray choices = chunk.getJsonArray("choices");
        if (choices != null && !choices.isEmpty()) {
          String content = choices.getJsonObject(0).getJsonObject("delta").getString("content");
          if (content != null) {
            text.append(content);
          }
        }
      }
      return text.toString();
    }

    JsonObject last() {
      List<JsonObject> chunks = chunks();
      return chunks.get(chunks.size() - 1);
    }
  }

  private final HttpClient client;
  private final int port;
  private final Context context;

  /** {@code context} is where streams are started: see {@link #stream(RequestOptions, JsonObject, BiConsumer)}. */
  Http(HttpClient client, int port, Context context) {
    this.client = client;
    this.port = port;
    this.context = context;
  }

  static JsonObject chat(String model, String userText) {
    return new JsonObject().put("model", model)
        .put("messages", new JsonArray()
            .add(new JsonObject().put("role", "system").put("content", "You are terse."))
            .add(new JsonObject().put("role", "user").put("content", userText)));
  }

  Future<Reply> send(HttpMethod method, String path, String key, Buffer body) {
    RequestOptions options = new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(port).setURI(path);
    if (key != null) {
      options.putHeader("authorization", "Bearer " + key);
    }
    return onContext(() -> client.request(options)
        .compose(req -> body == null ? req.send() : req.send(body))
        .compose(resp -> resp.body().map(b -> new Reply(resp.statusCode(), resp.headers(), b))));
  }

  /** POSTs {@code body} to {@code path} with exactly {@code headers} (other dialects' auth and version headers). */
  Future<Reply> post(String path, MultiMap headers, JsonObject body) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port).setURI(path)
        .setHeaders(headers);
    return onContext(() -> client.request(options)
        .compose(req -> req.send(body.toBuffer()))
        .compose(resp -> resp.body().map(b -> new Reply(resp.statusCode(), resp.headers(), b))));
  }

  /** Runs an exchange on the event-loop context, so a fast response cannot arrive before its body handler is set. */
  private <T> Future<T> onContext(Supplier<Future<T>> exchange) {
    Promise<T> done = Promise.promise();
    context.runOnContext(v -> exchange.get().onComplete(done));
    return done.future();
  }

  /** Streams {@code body} (stream:true is added) to {@code path} with {@code headers}, calling {@code onEvent} for each event. */
  Future<Streamed> stream(String path, MultiMap headers, JsonObject body, BiConsumer<SseEvent, HttpClientResponse> onEvent) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port).setURI(path)
        .setHeaders(headers);
    return stream(options, body, onEvent);
  }

  Future<Reply> post(JsonObject body) {
    return send(HttpMethod.POST, "/v1/chat/completions", KEY, body.toBuffer());
  }

  /** Streams {@code body} (stream:true is added) until the response ends or fails. */
  Future<Streamed> stream(JsonObject body) {
    return stream(body, (event, response) -> { });
  }

  /** As {@link #stream(JsonObject)}, calling {@code onEvent} for each event (it may close the connection). */
  Future<Streamed> stream(JsonObject body, BiConsumer<SseEvent, HttpClientResponse> onEvent) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port)
        .setURI("/v1/chat/completions").putHeader("authorization", "Bearer " + KEY);
    return stream(options, body, onEvent);
  }

  /**
   * Starts the request on the event-loop context, so the response's handler is set before its first
   * chunk can be delivered (from a test thread the chain's callbacks can run late and lose it).
   */
  private Future<Streamed> stream(RequestOptions options, JsonObject body, BiConsumer<SseEvent, HttpClientResponse> onEvent) {
    Promise<Streamed> done = Promise.promise();
    List<SseEvent> events = new ArrayList<>();
    context.runOnContext(started -> client.request(options)
        .compose(req -> req.send(body.copy().put("stream", true).toBuffer()))
        .onFailure(done::tryFail)
        .onSuccess(resp -> {
          resp.handler(new SseParser(event -> {
            events.add(event);
            onEvent.accept(event, resp);
          }));
          resp.endHandler(v -> done.tryComplete(new Streamed(resp.statusCode(), resp.headers(), events, true, null)));
          resp.exceptionHandler(e -> done.tryComplete(new Streamed(resp.statusCode(), resp.headers(), events, false, e)));
        }));
    return done.future();
  }
}
