package dev.modelmux.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.testing.GatewayProcess;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Prompts whose shape made token counting blow up, sent to a replica with the docs' JVM flags (320 MB heap, exit on
 * OutOfMemoryError) in front of its built-in emulator: a 4 MB run of one letter and, at the same time, multi-MB
 * "b b b ..." prompts are all answered, and the replica lives on. Before counting went piece by piece the letter run
 * alone exhausted the heap and the process exited.
 */
class PathologicalPromptTest {
  private static final int B_PROMPTS = 4;

  private GatewayProcess replica;

  @AfterEach
  void stop() {
    if (replica != null) {
      replica.close();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** The emulator in the replica's own JVM with a window that takes any prompt, so both count every prompt in full. */
  private static String config(int emulatorPort) {
    return """
        server: { host: 127.0.0.1, instances: 1 }
        emulator:
          port: %1$d
          models:
            - { name: gpt-4, context_window: 10000000 }
        deployments:
          - id: emu-gpt4
            provider: openai
            base_url: http://127.0.0.1:%1$d/v1
            api_key_env: KEY_A
            model: gpt-4
            context_window: 10000000
            limits: { tpm: 100000000000, rpm: 100000 }
            timeouts: { connect_ms: 5000, first_token_ms: 240000, idle_ms: 240000, total_ms: 300000 }
        routes:
          - name: gpt-4
            tiers: [[emu-gpt4]]
        """.formatted(emulatorPort);
  }

  private static byte[] chat(String content) {
    return new JsonObject().put("model", "gpt-4").put("max_tokens", 5)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", content))).toBuffer().getBytes();
  }

  private CompletableFuture<HttpResponse<String>> post(HttpClient http, byte[] body) {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + replica.port() + "/v1/chat/completions"))
        .timeout(Duration.ofMinutes(5)).header("content-type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aLongRunOfOneLetterAndManyShortWordsAreCountedWithoutExhaustingTheHeap() throws Exception {
    replica = GatewayProcess.start(config(freePort()), GatewayProcess.DOCS_JVM_FLAGS);
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();

    List<CompletableFuture<HttpResponse<String>>> replies = new ArrayList<>();
    replies.add(post(http, chat("say: hi " + "a".repeat(4 * 1024 * 1024))));
    for (int i = 0; i < B_PROMPTS; i++) {
      replies.add(post(http, chat("b ".repeat(3 * 512 * 1024) + i)));
    }
    for (CompletableFuture<HttpResponse<String>> reply : replies) {
      HttpResponse<String> answered;
      try {
        answered = reply.get(6, TimeUnit.MINUTES);
      } catch (Exception e) {
        throw new AssertionError("no answer (" + e + "); alive=" + replica.alive() + "\n" + tail(replica.output()), e);
      }
      assertThat(answered.statusCode()).as(answered.body() + "\n" + tail(replica.output())).isLessThan(500);
    }

    assertThat(replica.alive()).as(tail(replica.output())).isTrue();
    HttpResponse<String> live = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + replica.port() + "/health/live"))
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(live.statusCode()).isEqualTo(200);
    assertThat(replica.output()).doesNotContain("OutOfMemoryError");
  }

  private static String tail(String output) {
    return output.length() <= 4000 ? output : output.substring(output.length() - 4000);
  }
}
