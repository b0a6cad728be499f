package dev.modelmux.interactions;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.TestClient;
import dev.modelmux.testing.TestClient.Reply;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * "Make regression case" names its file after the exact logged id: two calls whose request ids differ only in
 * characters a file name cannot hold ({@code run.7}, {@code run:7}) get a file each, and making one twice never
 * overwrites the first (409).
 */
@ExtendWith(VertxExtension.class)
class RegressionCaseFileTest {
  @TempDir
  Path dir;
  private GatewayFixture fixture;
  private TestClient client;

  @BeforeEach
  void start(Vertx vertx) throws IOException {
    Files.createDirectories(dir.resolve("prompts/explain"));
    Files.writeString(dir.resolve("prompts/explain/task.yaml"), "route: code\nvariables: { code: { required: true } }\n");
    Files.writeString(dir.resolve("prompts/explain/default.yaml"),
        "match: default\nmessages:\n  - { role: user, content: \"say: explained {{code}}\" }\n");
    String extra = "interactions: { store: sqlite, path: " + dir.resolve("log.db") + ", flush_ms: 10 }\n"
        + "prompts: { dir: " + dir.resolve("prompts") + " }\n";
    fixture = await(GatewayFixture.start(vertx, GatewayFixture.CROSS_MODELS, InteractionLogTest.DEPLOYMENTS, extra));
    client = new TestClient(vertx, fixture.port());
  }

  @AfterEach
  void stop() {
    await(client.close());
    await(fixture.close());
  }

  private void call(String requestId, String code) {
    Reply reply = await(client.post("/v1/chat/completions", new JsonObject().put("model", "task:explain")
        .put("variables", new JsonObject().put("code", code)).encode(), "application/json",
        MultiMap.caseInsensitiveMultiMap().add("x-request-id", requestId)));
    assertThat(reply.status()).as(reply.body().toString()).isEqualTo(200);
    await(fixture.gateway.interactions().stored(requestId));
  }

  private Reply makeCase(String requestId) {
    String yaml = await(client.get("/admin/review/cases/" + requestId)).json().getString("suggested_case");
    return await(client.postJson("/admin/review/cases/" + requestId + "/regression", new JsonObject().put("yaml", yaml)));
  }

  @Test
  void twoCallsNeverShareAFileAndNoneIsOverwritten() throws IOException {
    call("run.7", "a()");
    call("run:7", "b()");
    Reply first = makeCase("run.7");
    Reply second = makeCase("run:7");
    assertThat(first.status()).as(first.body().toString()).isEqualTo(201);
    assertThat(second.status()).as(second.body().toString()).isEqualTo(201);
    assertThat(first.json().getString("file")).isNotEqualTo(second.json().getString("file"));

    Path tests = dir.resolve("prompts/explain/tests");
    List<Path> files;
    try (Stream<Path> listed = Files.list(tests)) {
      files = listed.sorted().toList();
    }
    assertThat(files).hasSize(2);
    assertThat(files).allSatisfy(f -> assertThat(f.getFileName().toString()).startsWith("review-run_7-").endsWith(".yaml"));
    Path firstFile = dir.resolve("prompts").resolve(first.json().getString("file"));
    String before = Files.readString(firstFile);
    assertThat(before).contains("a()");

    Reply again = makeCase("run.7");
    assertThat(again.status()).as(again.body().toString()).isEqualTo(409);
    assertThat(again.json().getJsonObject("error").getString("message")).contains(first.json().getString("file"));
    assertThat(Files.readString(firstFile)).isEqualTo(before);
  }
}
