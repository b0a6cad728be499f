package dev.modelmux.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.SocketAddress;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The bench's bare proxy passes requests and responses through unchanged, and streams without holding events back. */
class BareProxyTest {
  private static final long CONTENT_DELAY_MS = 400;
  private static final String PLAIN = "{\"model\":\"gpt-4\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  private static final String STREAMED = "{\"model\":\"gpt-4\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  private Vertx vertx;
  private HttpClient client;
  private int stubPort;
  private int proxyPort;

  /** What one response carried: status, content type, body, and how long before its end the first bytes came. */
  private record Exchange(int status, String contentType, Buffer body, long firstBytesBeforeEndMs) {
  }

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    BenchStubServer stub = new BenchStubServer(0, CONTENT_DELAY_MS);
    await(vertx.deployVerticle(stub));
    stubPort = stub.actualPort();
    proxyPort = freePort();
    await(BareProxy.deploy(vertx, proxyPort, SocketAddress.inetSocketAddress(stubPort, "127.0.0.1"), 2));
    client = vertx.createHttpClient();
  }

  @AfterEach
  void stop() throws Exception {
    await(vertx.close());
  }

  @Test
  void passesAPlainCompletionThroughByteForByte() throws Exception {
    Exchange direct = post(stubPort, PLAIN);
    Exchange proxied = post(proxyPort, PLAIN);

    assertThat(direct.status()).isEqualTo(200);
    assertThat(direct.body().toString()).contains("\"chat.completion\"");
    assertThat(proxied.status()).isEqualTo(direct.status());
    assertThat(proxied.contentType()).isEqualTo(direct.contentType());
    assertThat(proxied.body().getBytes()).isEqualTo(direct.body().getBytes());
  }

  @Test
  void streamsEventsThroughByteForByteAsTheyCome() throws Exception {
    Exchange direct = post(stubPort, STREAMED);
    Exchange proxied = post(proxyPort, STREAMED);

    assertThat(direct.body().toString()).startsWith("data: ").endsWith("data: [DONE]\n\n");
    assertThat(proxied.status()).isEqualTo(200);
    assertThat(proxied.contentType()).isEqualTo(direct.contentType()).startsWith("text/event-stream");
    assertThat(proxied.body().getBytes()).isEqualTo(direct.body().getBytes());
    // The stub sends its role event, then the rest CONTENT_DELAY_MS later: a buffering proxy would hold the first back.
    assertThat(proxied.firstBytesBeforeEndMs()).isGreaterThan(CONTENT_DELAY_MS / 2);
  }

  @Test
  void takesTheNativeTransportUnlessToldNio() {
    assertThat(BareProxy.wantsNative(null)).isTrue();
    assertThat(BareProxy.wantsNative("native")).isTrue();
    assertThat(BareProxy.wantsNative(" NIO ")).isFalse();
  }

  private Exchange post(int port, String body) throws Exception {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port)
        .setURI("/v1/chat/completions").putHeader("content-type", "application/json");
    return await(client.request(options).compose(req -> req.send(body)).compose(this::read));
  }

  private Future<Exchange> read(HttpClientResponse response) {
    Buffer body = Buffer.buffer();
    long[] first = {0};
    response.handler(chunk -> {
      if (body.length() == 0) {
        first[0] = System.nanoTime();
      }
      body.appendBuffer(chunk);
    });
    return response.end().map(v -> new Exchange(response.statusCode(), response.getHeader("content-type"), body,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - first[0])));
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
