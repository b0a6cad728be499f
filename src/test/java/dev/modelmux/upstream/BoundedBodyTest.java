package dev.modelmux.upstream;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** An upstream body read whole: the same bytes whether it came in one chunk or many, and never past its limit. */
class BoundedBodyTest {
  private static final String ANSWER = "{\"id\":\"c\",\"choices\":[{\"message\":{\"content\":\"caf\u00e9 \ud83d\ude00\"}}]}";

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() {
    await(vertx.close());
  }

  /** A server that sends the answer in {@code pieces} chunks (cut inside multi-byte characters too). */
  private int serve(int pieces) {
    byte[] bytes = ANSWER.getBytes(StandardCharsets.UTF_8);
    HttpServer server = vertx.createHttpServer().requestHandler(request -> {
      var response = request.response().setChunked(true);
      int step = (bytes.length + pieces - 1) / pieces;
      for (int at = 0; at < bytes.length; at += step) {
        response.write(Buffer.buffer().appendBytes(bytes, at, Math.min(step, bytes.length - at)));
      }
      response.end();
    });
    return await(server.listen(0, "127.0.0.1")).actualPort();
  }

  private Buffer read(int port, long limit, boolean error, AtomicInteger chunks) {
    HttpClient client = vertx.createHttpClient();
    return await(client.request(HttpMethod.GET, port, "127.0.0.1", "/").compose(r -> r.send()).compose((HttpClientResponse response) ->
        error ? BoundedBody.error(response, limit, chunks::incrementAndGet) : BoundedBody.answer(response, limit, chunks::incrementAndGet)));
  }

  @Test
  void oneChunkOrManyGiveTheSameBytes() {
    for (int pieces : List.of(1, 2, 7, ANSWER.length())) {
      AtomicInteger chunks = new AtomicInteger();
      Buffer body = read(serve(pieces), 10_000, false, chunks);
      assertThat(body.toString(StandardCharsets.UTF_8)).as(pieces + " pieces").isEqualTo(ANSWER);
      assertThat(chunks.get()).isPositive();
    }
  }

  @Test
  void anErrorBodyPastItsLimitIsKeptTruncatedToTheLimit() {
    byte[] bytes = ANSWER.getBytes(StandardCharsets.UTF_8);
    for (int pieces : List.of(1, 3)) {
      Buffer body = read(serve(pieces), 20, true, new AtomicInteger());
      assertThat(body.getBytes()).isEqualTo(Arrays.copyOf(bytes, 20));
    }
  }
}
