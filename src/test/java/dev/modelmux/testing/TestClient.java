package dev.modelmux.testing;

import dev.modelmux.core.SseEvent;
import dev.modelmux.stream.SseParser;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * A raw HTTP client for what the SDKs hide: statuses, headers, every SSE event and how a stream ended. Every
 * exchange runs on one event-loop context, so response handlers are in place before the first byte can arrive
 * (driven from the test thread, a fast response could otherwise slip past a handler set a moment too late).
 */
public final class TestClient {
  private final HttpClient http;
  private final Context context;
  private final int port;

  public TestClient(Vertx vertx, int port) {
    this(vertx, port, 5);
  }

  /** @param connections how many requests may be in flight at once (Vert.x' default pool holds 5) */
  public TestClient(Vertx vertx, int port, int connections) {
    this(vertx, port, connections, true);
  }

  private TestClient(Vertx vertx, int port, int connections, boolean keepAlive) {
    this.http = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port).setKeepAlive(keepAlive),
        new PoolOptions().setHttp1MaxSize(connections));
    this.context = vertx.getOrCreateContext();
    this.port = port;
  }

  /**
   * A client that opens a connection per request: for a test that sends requests one after another from its thread,
   * where a kept-alive connection may rarely never be handed to the next request on a busy machine (docs/testing.md).
   */
  public static TestClient withoutKeepAlive(Vertx vertx, int port, int connections) {
    return new TestClient(vertx, port, connections, false);
  }

  /** Runs an exchange on the client's context; use it for any chain that sets handlers on a response. */
  public <T> Future<T> onContext(Supplier<Future<T>> exchange) {
    Promise<T> done = Promise.promise();
    context.runOnContext(v -> exchange.get().onComplete(done));
    return done.future();
  }

  public HttpClient http() {
    return http;
  }

  public record Reply(int status, MultiMap headers, Buffer body) {
    public JsonObject json() {
      return new JsonObject(body);
    }
  }

  /** @param ended true when the stream ended cleanly at HTTP level (false: the connection broke) */
  public record StreamReply(int status, MultiMap headers, List<SseEvent> events, boolean ended, Buffer raw) {
    public String text() {
      StringBuilder text = new StringBuilder();
      for (SseEvent e : events) {
        if (e.data().startsWith("{")) {
          JsonObject chunk = new JsonObject(e.data());
          var choices = chunk.getJsonArray("choices");
          if (choices != null && !choices.isEmpty()) {
            String piece = choices.getJsonObject(0).getJsonObject("delta", new JsonObject()).getString("content");
            text.append(piece == null ? "" : piece);
          }
        }
      }
      return text.toString();
    }

    public SseEvent last() {
      return events.get(events.size() - 1);
    }
  }

  public Future<Reply> post(String path, String body, String contentType) {
    return post(path, body, contentType, MultiMap.caseInsensitiveMultiMap());
  }

  public Future<Reply> post(String path, String body, String contentType, MultiMap headers) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setURI(path).setPort(port).setHost("127.0.0.1")
        .setHeaders(headers);
    if (contentType != null) {
      options.putHeader("content-type", contentType);
    }
    return onContext(() -> http.request(options)
        .compose(req -> req.send(body))
        .compose(resp -> resp.body().map(b -> new Reply(resp.statusCode(), resp.headers(), b))));
  }

  public Future<Reply> postJson(String path, JsonObject body) {
    return post(path, body.encode(), "application/json");
  }

  public Future<Reply> get(String path) {
    return onContext(() -> http.request(HttpMethod.GET, port, "127.0.0.1", path)
        .compose(req -> req.send())
        .compose(resp -> resp.body().map(b -> new Reply(resp.statusCode(), resp.headers(), b))));
  }

  public Future<Reply> get(String path, MultiMap headers) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setURI(path).setPort(port).setHost("127.0.0.1")
        .setHeaders(headers);
    return onContext(() -> http.request(options)
        .compose(req -> req.send())
        .compose(resp -> resp.body().map(b -> new Reply(resp.statusCode(), resp.headers(), b))));
  }

  /** A GET with an operator key, as the operator's endpoints want it when the gateway has auth configured. */
  public Future<Reply> getAsOperator(String path, String operatorKey) {
    return get(path, MultiMap.caseInsensitiveMultiMap().add("authorization", "Bearer " + operatorKey));
  }

  /** Posts a streamed request and collects every event until the response ends or breaks. */
  public Future<StreamReply> stream(JsonObject body) {
    return stream("/v1/chat/completions", body);
  }

  public Future<StreamReply> stream(String path, JsonObject body) {
    return stream(path, body, MultiMap.caseInsensitiveMultiMap());
  }

  public Future<StreamReply> stream(String path, JsonObject body, MultiMap headers) {
    return onContext(() -> collect(path, body, headers));
  }

  private Future<StreamReply> collect(String path, JsonObject body, MultiMap headers) {
    Promise<StreamReply> done = Promise.promise();
    http.request(new RequestOptions().setMethod(HttpMethod.POST).setURI(path).setPort(port).setHost("127.0.0.1")
            .setHeaders(MultiMap.caseInsensitiveMultiMap().addAll(headers).set("content-type", "application/json")))
        .compose(req -> req.send(body.encode()))
        .onFailure(done::tryFail)
        .onSuccess(resp -> {
          List<SseEvent> events = new ArrayList<>();
          Buffer raw = Buffer.buffer();
          SseParser parser = new SseParser(events::add);
          resp.handler(chunk -> {
            raw.appendBuffer(chunk);
            parser.handle(chunk);
          });
          resp.endHandler(v -> done.tryComplete(new StreamReply(resp.statusCode(), resp.headers(), events, true, raw)));
          resp.exceptionHandler(e -> done.tryComplete(new StreamReply(resp.statusCode(), resp.headers(), events, false, raw)));
        });
    return done.future();
  }

  public Future<Void> close() {
    return http.close();
  }
}
