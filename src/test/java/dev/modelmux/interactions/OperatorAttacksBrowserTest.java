package dev.modelmux.interactions;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.TestClient;
import dev.modelmux.testing.TestClient.Reply;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 22's CSRF and DNS rebinding attacks in a real headless Chromium (src/test/browser/operator-attacks.mjs), on a
 * gateway in protected mode, where loopback is trusted and a browser on the operator's machine is loopback: a page on
 * another site sending simple no-cors requests changes no verdict and drains nothing; a page under a rebound name
 * cannot read the review queue.
 */
@ExtendWith(VertxExtension.class)
class OperatorAttacksBrowserTest {
  @TempDir
  Path dir;
  private GatewayFixture fixture;
  private TestClient client;

  @BeforeEach
  void start(Vertx vertx) {
    String extra = "interactions: { store: sqlite, path: " + dir.resolve("log.db") + ", flush_ms: 10 }\n";
    fixture = await(GatewayFixture.start(vertx, GatewayFixture.CROSS_MODELS, InteractionLogTest.DEPLOYMENTS, extra));
    client = new TestClient(vertx, fixture.port());
  }

  @AfterEach
  void stop() {
    await(client.close());
    await(fixture.close());
  }

  @Test
  void anotherSitesPageChangesNothingAndAReboundNameReadsNothing() throws Exception {
    Reply answer = await(client.postJson("/v1/chat/completions", new JsonObject().put("model", "code")
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", "say: secret code")))));
    assertThat(answer.status()).isEqualTo(200);
    String id = answer.headers().get("x-request-id");
    await(fixture.gateway.interactions().stored(id));
    assertThat(await(client.postJson("/v1/feedback", new JsonObject().put("request_id", id).put("rating", "down"))).status())
        .isEqualTo(201); // queued for review

    ReviewPageBrowserTest.ensureNodeModules();
    Process attack = new ProcessBuilder("node", Path.of("src/test/browser/operator-attacks.mjs").toString(),
        String.valueOf(fixture.port()), id).redirectErrorStream(true).start();
    String output = new String(attack.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(attack.waitFor(120, TimeUnit.SECONDS)).as(output).isTrue();
    assertThat(attack.exitValue()).as(output).isZero();
    JsonObject result = new JsonObject(output.lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b).orElseThrow());

    assertThat(result.getJsonArray("csrf")).as("the page's requests left the browser").containsOnly("sent");
    JsonObject review = await(client.get("/admin/review/cases/" + id)).json();
    assertThat(review.getValue("review")).as("no verdict from the other site: " + review.getValue("review")).isNull();
    Reply ready = await(client.get("/health/ready"));
    assertThat(ready.status()).as("not drained: " + ready.body()).isEqualTo(200);

    assertThat(result.getInteger("reboundPageStatus")).as("the page under the rebound name").isEqualTo(403);
    JsonObject rebound = result.getJsonObject("rebound");
    assertThat(rebound.getInteger("status")).as(rebound.encode()).isEqualTo(403);
    assertThat(rebound.getString("body")).doesNotContain(id).doesNotContain("secret code");
  }
}
