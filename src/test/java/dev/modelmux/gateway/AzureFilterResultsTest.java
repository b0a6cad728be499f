package dev.modelmux.gateway;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.TestClient;
import dev.modelmux.testing.TestClient.Reply;
import dev.modelmux.testing.TestClient.StreamReply;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Azure's content-filter annotations (the emulator's Azure mode sends them as Azure does) never reach an OpenAI client,
 * streamed or not; the interaction log keeps them.
 */
@ExtendWith(VertxExtension.class)
class AzureFilterResultsTest {
  @TempDir
  Path dir;
  private GatewayFixture fixture;
  private TestClient client;

  @BeforeEach
  void start(Vertx vertx) {
    fixture = await(GatewayFixture.start(vertx, GatewayFixture.CROSS_MODELS, GatewayFixture.CROSS,
        "interactions: { store: sqlite, path: " + dir.resolve("log.db") + ", flush_ms: 10 }\n"));
    client = new TestClient(vertx, fixture.port());
  }

  @AfterEach
  void stop() {
    await(client.close());
    await(fixture.close());
  }

  private static JsonObject ask(boolean stream) {
    return new JsonObject().put("model", "via-azure").put("stream", stream)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "say: filtered words")));
  }

  private JsonObject logged(String requestId) {
    await(fixture.gateway.interactions().stored(requestId));
    return await(fixture.gateway.interactions().store().find(requestId));
  }

  private static void assertKeptForTheOperator(JsonObject row) {
    JsonObject azure = row.getJsonObject("provider_annotations").getJsonObject("azure");
    assertThat(azure.getJsonArray("prompt_filter_results").getJsonObject(0).getJsonObject("content_filter_results")
        .getJsonObject("hate").getString("severity")).isEqualTo("safe");
    assertThat(azure.getJsonArray("content_filter_results").getJsonObject(0).getJsonObject("violence").getBoolean("filtered"))
        .isFalse();
  }

  @Test
  void aStreamedAnswerReachesTheClientWithoutThemAndTheLogKeepsThem() {
    StreamReply reply = await(client.stream(ask(true)));
    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.text()).isEqualTo("filtered words");
    assertThat(reply.raw().toString()).doesNotContain("filter_results").doesNotContain("filter_offsets").endsWith("data: [DONE]\n\n");
    JsonObject row = logged(reply.headers().get("x-request-id"));
    assertThat(row.getString("output")).isEqualTo("filtered words");
    assertKeptForTheOperator(row);
  }

  @Test
  void aWholeAnswerReachesTheClientWithoutThemAndTheLogKeepsThem() {
    Reply reply = await(client.postJson("/v1/chat/completions", ask(false)));
    assertThat(reply.status()).isEqualTo(200);
    assertThat(reply.body().toString()).doesNotContain("filter_results");
    assertThat(reply.json().getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content"))
        .isEqualTo("filtered words");
    assertKeptForTheOperator(logged(reply.headers().get("x-request-id")));
  }

  @Test
  void otherProvidersLogNoAnnotations() {
    Reply reply = await(client.postJson("/v1/chat/completions", ask(false).put("model", "via-openai")));
    assertThat(logged(reply.headers().get("x-request-id")).getValue("provider_annotations")).isNull();
  }
}
