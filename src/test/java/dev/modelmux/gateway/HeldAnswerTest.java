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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
    Files.createDirectories(prompts.resolve("shape"));
    Files.writeString(prompts.resolve("shape/task.yaml"), "route: slow\n");
    String words = String.join(" ", java.util.Collections.nCopies(24, "word"));
    Files.writeString(prompts.resolve("shape/default.yaml"), "match: default\nmessages:\n  - { role: user, content: 'say: {\"tests\": \""
        + words + "\"}' }\npost:\n  - json: true\n");
    String deployments = """
        deployments:
          - id: slow-gpt4
            provider: openai
            base_url: ${EMU}/v1
            api_key_env: KEY_A
            model: gpt-4
            context_window: 8192
            limits: { tpm: 1000000, rpm: 10000 }
            timeouts: { first_token_ms: 300, idle_ms: 2000 }
        routes:
          - name: slow
            tiers: [[slow-gpt4]]
        """;
    // 25 pieces 40 ms apart: the whole value takes about a second, three times the first-token deadline.
    List<EmulatedModel> models = List.of(new EmulatedModel("gpt-4", 20, 40, 8192, 0, 0, Fault.NONE));
    GatewayFixture fixture = await(GatewayFixture.start(vertx, models, deployments, "prompts: { dir: " + prompts + " }\n"));
    TestClient client = new TestClient(vertx, fixture.port());
    try {
      StreamReply reply = await(client.stream(new JsonObject().put("model", "task:shape").put("stream", true)));
      assertThat(reply.status()).isEqualTo(200);
      assertThat(new JsonObject(reply.text()).getString("tests")).isEqualTo(words);
    } finally {
      await(client.close());
      await(fixture.close());
    }
  }

  @Test
  void aHeldAnswerIsNotASlowFirstTokenSoNoHedgeStarts(Vertx vertx, @TempDir Path prompts) throws Exception {
    Files.createDirectories(prompts.resolve("marked"));
    Files.writeString(prompts.resolve("marked/task.yaml"), "route: hedged\n");
    String blurb = String.join(" ", java.util.Collections.nCopies(15, "blurb"));
    Files.writeString(prompts.resolve("marked/default.yaml"), "match: default\nmessages:\n  - { role: user, content: 'say: "
        + blurb + " <answer>the answer</answer>' }\npost:\n  - between: { start: \"<answer>\", end: \"</answer>\" }\n");
    String deployments = """
        deployments:
          - id: chatty
            provider: openai
            base_url: ${EMU}/v1
            api_key_env: KEY_A
            model: gpt-4
            context_window: 8192
            limits: { tpm: 1000000, rpm: 10000 }
          - id: spare
            provider: openai
            base_url: ${EMU}/v1
            api_key_env: KEY_A
            model: gpt-3.5-turbo
            context_window: 8192
            limits: { tpm: 1000000, rpm: 10000 }
        routes:
          - name: hedged
            hedge_after_ms: 100
            tiers: [[chatty], [spare]]
        """;
    // The first token comes at once, then 15 words of blurb 40 ms apart: the marker arrives after ~600 ms, well past
    // the hedge delay, while the primary was answering all along.
    List<EmulatedModel> models = List.of(new EmulatedModel("gpt-4", 10, 40, 8192, 0, 0, Fault.NONE),
        new EmulatedModel("gpt-3.5-turbo", 10, 0, 8192, 0, 0, Fault.NONE));
    GatewayFixture fixture = await(GatewayFixture.start(vertx, models, deployments, "prompts: { dir: " + prompts + " }\n"));
    TestClient client = new TestClient(vertx, fixture.port());
    try {
      StreamReply reply = await(client.stream(new JsonObject().put("model", "task:marked").put("stream", true)));
      assertThat(reply.status()).isEqualTo(200);
      assertThat(reply.text()).isEqualTo("the answer");
      assertThat(reply.headers().get("x-modelmux-deployment")).isEqualTo("chatty");
      assertThat(fixture.emulator.stats("gpt-3.5-turbo").requests()).as("no hedge on the spare").isZero();
    } finally {
      await(client.close());
      await(fixture.close());
    }
  }
}
