package dev.modelmux.testing;

import dev.modelmux.stream.SseEvent;
import dev.modelmux.stream.SseParser;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/** A raw HTTP client for what the SDKs hide: statuses, headers, every SSE event and how a stream ended. */
public final class TestClient {
  private final HttpClient http;
  private final int port;

  public TestClient(Vertx vertx, int port) {
    this.http = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port));
    this.port = port;
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
    return http.request(options)
        .compose(req -> req.send(body))
        .compose(resp -> resp.body().map(b -> new Reply(resp.statusCode(), resp.headers(), b)));
  }

  public Future<Reply> postJson(String path, JsonObject body) {
    return post(path, body.encode(), "application/json");
  }

  public Future<Reply> get(String path) {
    return http.request(HttpMethod.GET, port, "127.0.0.1", path)
        .compose(req -> req.send())
        .compose(resp -> resp.body().map(b -> new Reply(resp.statusCode(), resp.headers(), b)));
  }

  /** Posts a streamed request and collects every event until the response ends or breaks. */
  public Future<StreamReply> stream(JsonObject body) {
    Promise<StreamReply> done = Promise.promise();
    http.request(new RequestOptions().setMethod(HttpMethod.POST).setURI("/v1/chat/completions").setPort(port).setHost("127.0.0.1")
            .putHeader("content-type", "application/json"))
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
