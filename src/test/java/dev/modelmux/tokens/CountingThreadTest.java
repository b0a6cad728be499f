package dev.modelmux.tokens;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.TestClient;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where a request's prompt tokens are counted: a small prompt on the event loop (no hop), a large one never there,
 * including a task call whose rendering is large though the call itself is small.
 */
class CountingThreadTest {
  private final Vertx vertx = Vertx.vertx();
  /** For each count: whether it ran on an event loop. */
  private final List<Boolean> onEventLoop = new CopyOnWriteArrayList<>();
  @TempDir
  Path prompts;
  private GatewayFixture fixture;
  private TestClient client;

  @BeforeEach
  void start() throws IOException {
    Files.createDirectories(prompts.resolve("review"));
    Files.writeString(prompts.resolve("review/task.yaml"), "route: solo\nvariables: { code: { required: true } }\n");
    Files.writeString(prompts.resolve("review/default.yaml"), """
        match: default
        messages:
          - { role: user, content: "Review this: {{code}}. Once more: {{code}}. Again: {{code}}. Last: {{code}}" }
        """);
    PromptTokens.counting = request -> onEventLoop.add(Context.isOnEventLoopThread());
    fixture = await(GatewayFixture.start(vertx, GatewayFixture.MODELS, GatewayFixture.STANDARD, "prompts: { dir: " + prompts + " }\n"));
    client = new TestClient(vertx, fixture.port());
  }

  @AfterEach
  void stop() {
    PromptTokens.counting = request -> {};
    await(client.close());
    await(fixture.close());
    await(vertx.close());
  }

  /** Posts {@code body}; where its prompt was counted. */
  private List<Boolean> countedOn(JsonObject body) {
    onEventLoop.clear();
    assertThat(await(client.postJson("/v1/chat/completions", body)).status()).isEqualTo(200);
    assertThat(onEventLoop).as("counted at all").isNotEmpty();
    return List.copyOf(onEventLoop);
  }

  private static JsonObject chat(String content) {
    return new JsonObject().put("model", "solo").put("max_tokens", 5)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", content)));
  }

  @Test
  void aSmallPromptIsCountedOnTheEventLoop() {
    assertThat(countedOn(chat("say: hi " + "lorem ipsum ".repeat(80)))).containsOnly(true);
  }

  @Test
  void aLargeSingleWordPromptIsNeverCountedOnTheEventLoop() {
    assertThat(countedOn(chat("say: hi " + "a".repeat(40_000)))).containsOnly(false);
  }

  @Test
  void aSmallTaskCallRenderedIntoALargePromptIsNeverCountedOnTheEventLoop() {
    JsonObject call = new JsonObject().put("model", "task:review").put("max_tokens", 5)
        .put("variables", new JsonObject().put("code", "a".repeat(12_000)));
    assertThat(call.encode().length()).isLessThan(16 * 1024);
    assertThat(countedOn(call)).containsOnly(false);
  }
}
