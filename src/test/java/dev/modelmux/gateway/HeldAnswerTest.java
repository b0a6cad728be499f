package dev.modelmux.gateway;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.emulator.EmulatedModel;
import dev.modelmux.emulator.Fault;
import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.TestClient;
import dev.modelmux.testing.TestClient.StreamReply;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A post-processor that holds the answer (json until its value closes, between until its start marker) is not a
 * provider that sent nothing: once the model's text arrives the attempt is timed by its gaps, not by the first-token
 * deadline, and no hedge starts against it.
 */
@ExtendWith(VertxExtension.class)
class HeldAnswerTest {
  @Test
  void aHeldAnswerLongerThanTheFirstTokenDeadlineStillArrives(Vertx vertx, @TempDir Path prompts) throws Exception {
    String words = String.join(" ", Collections.nCopies(24, "word"));
    task(prompts, "shape", "slow", "say: {\"tests\": \"" + words + "\"}", "json: true");
    String deployments = "deployments:\n" + deployment("slow-gpt4", "gpt-4", "timeouts: { first_token_ms: 300, idle_ms: 2000 }")
        + "routes:\n  - name: slow\n    tiers: [[slow-gpt4]]\n";
    // 25 pieces 40 ms apart: the whole value takes about a second, three times the first-token deadline.
    List<EmulatedModel> models = List.of(new EmulatedModel("gpt-4", 20, 40, 8192, 0, 0, Fault.NONE));
    callTask(vertx, prompts, models, deployments, "shape", (reply, fixture) -> {
      assertThat(reply.status()).isEqualTo(200);
      assertThat(new JsonObject(reply.text()).getString("tests")).isEqualTo(words);
    });
  }

  @Test
  void aHeldAnswerIsNotASlowFirstTokenSoNoHedgeStarts(Vertx vertx, @TempDir Path prompts) throws Exception {
    String blurb = String.join(" ", Collections.nCopies(15, "blurb"));
    task(prompts, "marked", "hedged", "say: " + blurb + " <answer>the answer</answer>",
        "between: { start: \"<answer>\", end: \"</answer>\" }");
    String deployments = "deployments:\n" + deployment("chatty", "gpt-4", null) + deployment("spare", "gpt-3.5-turbo", null)
        + "routes:\n  - name: hedged\n    hedge_after_ms: 100\n    tiers: [[chatty], [spare]]\n";
    // The first token comes at once, then 15 words of blurb 40 ms apart: the marker arrives after ~600 ms, well past
    // the hedge delay, while the primary was answering all along.
    List<EmulatedModel> models = List.of(new EmulatedModel("gpt-4", 10, 40, 8192, 0, 0, Fault.NONE),
        new EmulatedModel("gpt-3.5-turbo", 10, 0, 8192, 0, 0, Fault.NONE));
    callTask(vertx, prompts, models, deployments, "marked", (reply, fixture) -> {
      assertThat(reply.status()).isEqualTo(200);
      assertThat(reply.text()).isEqualTo("the answer");
      assertThat(reply.headers().get("x-modelmux-deployment")).isEqualTo("chatty");
      assertThat(fixture.emulator.stats("gpt-3.5-turbo").requests()).as("no hedge on the spare").isZero();
    });
  }

  /** A task on {@code route} whose default variant sends {@code content} and post-processes with {@code post}. */
  private static void task(Path prompts, String name, String route, String content, String post) throws IOException {
    Files.createDirectories(prompts.resolve(name));
    Files.writeString(prompts.resolve(name + "/task.yaml"), "route: " + route + "\n");
    Files.writeString(prompts.resolve(name + "/default.yaml"), "match: default\nmessages:\n  - { role: user, content: '" + content
        + "' }\npost:\n  - " + post + "\n");
  }

  private static String deployment(String id, String model, String extra) {
    return "  - id: " + id + "\n    provider: openai\n    base_url: ${EMU}/v1\n    api_key_env: KEY_A\n    model: " + model
        + "\n    context_window: 8192\n    limits: { tpm: 1000000, rpm: 10000 }\n" + (extra == null ? "" : "    " + extra + "\n");
  }

  /** Streams one call of the task through a gateway on {@code models}, and checks the reply (and the gateway). */
  private static void callTask(Vertx vertx, Path prompts, List<EmulatedModel> models, String deployments, String task,
      BiConsumer<StreamReply, GatewayFixture> check) {
    GatewayFixture fixture = await(GatewayFixture.start(vertx, models, deployments, "prompts: { dir: " + prompts + " }\n"));
    TestClient client = new TestClient(vertx, fixture.port());
    try {
      check.accept(await(client.stream(new JsonObject().put("model", "task:" + task).put("stream", true))), fixture);
    } finally {
      await(client.close());
      await(fixture.close());
    }
  }
}
