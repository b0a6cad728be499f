package dev.modelmux.bench;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A minimal OpenAI-compatible chat-completions stub used to calibrate the load generator and in its tests.
 * It is not the provider emulator: no validation, no limits, canned answers. Plain requests get one JSON
 * completion; {@code "stream":true} requests get a role chunk, then (after {@code contentDelayMs}) two
 * content chunks, a finish chunk and {@code data: [DONE]}. A path ending in {@code /status/NNN} answers
 * status NNN with an OpenAI error body.
 *
 * <p>{@code java -cp target/modelmux.jar dev.modelmux.bench.BenchStubServer [port] [contentDelayMs]}
 */
public final class BenchStubServer extends VerticleBase {
  private static final String ID = "chatcmpl-bench";
  // Built per instance in start(), not statically: creating a Buffer initialises Netty, which logs at
  // DEBUG before main() could lower the level.
  private Buffer plain;
  private Buffer role;
  private Buffer rest;

  private final int port;
  private final long contentDelayMs;
  private final AtomicLong requests = new AtomicLong();
  private volatile long firstArrivalNanos;
  private volatile long lastArrivalNanos;
  private HttpServer server;

  public BenchStubServer(int port, long contentDelayMs) {
    this.port = port;
    this.contentDelayMs = contentDelayMs;
  }

  private static Buffer event(String delta, String finish) {
    return Buffer.buffer("data: {\"id\":\"" + ID + "\",\"object\":\"chat.completion.chunk\",\"created\":1730000000,"
        + "\"model\":\"gpt-4-0613\",\"choices\":[{\"index\":0,\"delta\":" + delta
        + ",\"logprobs\":null,\"finish_reason\":" + finish + "}]}\n\n");
  }

  @Override
  public Future<?> start() {
    plain = Buffer.buffer("{\"id\":\"" + ID + "\",\"object\":\"chat.completion\","
        + "\"created\":1730000000,\"model\":\"gpt-4-0613\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
        + "\"content\":\"Hello there!\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
        + "\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":3,\"total_tokens\":13}}");
    role = event("{\"role\":\"assistant\",\"content\":\"\",\"refusal\":null}", "null");
    rest = Buffer.buffer()
        .appendBuffer(event("{\"content\":\"Hello\"}", "null"))
        .appendBuffer(event("{\"content\":\" there!\"}", "null"))
        .appendBuffer(event("{}", "\"stop\""))
        .appendString("data: [DONE]\n\n");
    server = vertx.createHttpServer();
    return server.requestHandler(this::handle).listen(port);
  }

  /** The port actually bound (useful with port 0). */
  public int actualPort() {
    return server.actualPort();
  }

  public long requests() {
    return requests.get();
  }

  /** Seconds between the first and the last request's arrival. */
  public double arrivalSpanSeconds() {
    return (lastArrivalNanos - firstArrivalNanos) / 1e9;
  }

  private void handle(HttpServerRequest req) {
    long now = System.nanoTime();
    if (requests.getAndIncrement() == 0) {
      firstArrivalNanos = now;
    }
    lastArrivalNanos = now;
    req.body().onSuccess(body -> respond(req, body));
  }

  private void respond(HttpServerRequest req, Buffer body) {
    HttpServerResponse resp = req.response();
    String path = req.path();
    int at = path.lastIndexOf("/status/");
    if (at >= 0) {
      int status = Integer.parseInt(path.substring(at + 8));
      resp.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
          .end("{\"error\":{\"message\":\"stub status " + status + "\",\"type\":\"server_error\",\"param\":null,\"code\":null}}");
      return;
    }
    if (!isStream(body)) {
      resp.putHeader(HttpHeaders.CONTENT_TYPE, "application/json").end(plain);
      return;
    }
    resp.setChunked(true).putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream; charset=utf-8")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache");
    resp.write(role);
    if (contentDelayMs > 0) {
      vertx.setTimer(contentDelayMs, id -> resp.end(rest));
    } else {
      resp.end(rest);
    }
  }

  /** Looks for {@code "stream":true} without parsing the whole body. */
  private static boolean isStream(Buffer body) {
    String s = body.toString();
    int i = s.indexOf("\"stream\"");
    if (i < 0) {
      return false;
    }
    int colon = s.indexOf(':', i + 8);
    return colon > 0 && s.startsWith("true", skipSpaces(s, colon + 1));
  }

  private static int skipSpaces(String s, int i) {
    while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
      i++;
    }
    return i;
  }

  public static void main(String[] args) {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 9099;
    long delay = args.length > 1 ? Long.parseLong(args[1]) : 0;
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    BenchStubServer stub = new BenchStubServer(port, delay);
    vertx.deployVerticle(stub)
        .onSuccess(id -> System.err.println("bench stub listening on " + stub.actualPort()))
        .onFailure(e -> {
          System.err.println("bench stub failed: " + e);
          System.exit(1);
        });
  }
}
