package dev.modelmux.gateway;

import static dev.modelmux.testing.Await.await;
import static org.assertj.core.api.Assertions.assertThat;

import dev.modelmux.core.SseEvent;
import dev.modelmux.emulator.AnswerText;
import dev.modelmux.emulator.EmulatedModel;
import dev.modelmux.emulator.Fault;
import dev.modelmux.emulator.Fault.Kind;
import dev.modelmux.testing.GatewayFixture;
import dev.modelmux.testing.TestClient;
import dev.modelmux.testing.TestClient.StreamReply;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** continue_on_failure: a text stream cut mid-answer goes on seamlessly on the next candidate, or ends with the original error. */
@ExtendWith(VertxExtension.class)
class ContinuationTest {
  private static final List<EmulatedModel> MODELS = List.of(
      new EmulatedModel("gpt-4", 0, 0, 8192, 0, 0, Fault.NONE),
      new EmulatedModel("gpt-3.5-turbo", 0, 0, 16385, 0, 0, Fault.NONE),
      new EmulatedModel("claude-2", 0, 0, 100000, 0, 0, Fault.NONE),
      new EmulatedModel("claude-3", 0, 0, 100000, 0, 0, Fault.NONE));

  private static final String CONFIG = GatewayFixture.CROSS.substring(0, GatewayFixture.CROSS.indexOf("routes:")) + """
        - id: oa-gpt35
          provider: openai
          base_url: ${EMU}/v1
          api_key_env: KEY_B
          model: gpt-3.5-turbo
          context_window: 16385
          limits: { tpm: 1000000, rpm: 10000 }
        - id: an-claude3
          provider: anthropic
          base_url: ${EMU}
          api_key_env: KEY_B
          model: claude-3
          context_window: 100000
          limits: { tpm: 1000000, rpm: 10000 }
        - id: an-claude3-said
          provider: anthropic
          base_url: ${EMU}
          api_key_env: KEY_B
          model: claude-3
          context_window: 100000
          limits: { tpm: 1000000, rpm: 10000 }
          prefill: false
      routes:
        - name: continue-with-prefill
          continue_on_failure: true
          tiers: [[oa-gpt4], [an-claude]]
        - name: continue-by-replay
          continue_on_failure: true
          tiers: [[oa-gpt4], [oa-gpt35]]
        - name: no-continuation
          continue_on_failure: false
          tiers: [[oa-gpt4], [an-claude]]
        - name: by-default
          tiers: [[oa-gpt4], [oa-gpt35]]
        - name: prefill-refused
          tiers: [[oa-gpt4], [an-claude3]]
        - name: prefill-off
          tiers: [[oa-gpt4], [an-claude3-said]]
        - name: claude-first
          tiers: [[an-claude], [an-claude3]]
      """;

  private GatewayFixture fixture;
  private TestClient client;

  @TempDir
  Path prompts;

  @BeforeEach
  void start(Vertx vertx) throws IOException {
    for (String route : List.of("continue-with-prefill", "continue-by-replay")) {
      write(route + "/task.yaml", "route: " + route + "\n");
      write(route + "/gpt-4.yaml", "match: [gpt-4]\nmessages:\n  - { role: user, content: \"say: " + TASK_ANSWER + "\" }\n" + BETWEEN);
      write(route + "/default.yaml", "match: default\nmessages:\n  - { role: user, content: \"say: other <answer>words</answer>\" }\n"
          + BETWEEN);
    }
    fixture = await(GatewayFixture.start(vertx, MODELS, CONFIG, "prompts: { dir: " + prompts + " }\n"));
    client = new TestClient(vertx, fixture.port());
    fixture.emulator.setFault("gpt-4", Fault.of(Kind.CUT).afterTokens(6));
  }

  @AfterEach
  void stop() {
    await(client.close());
    await(fixture.close());
  }

  private static final String ASK = "words: 40";
  private static final String TASK_ANSWER = "intro <answer>one two three four five six seven eight nine ten</answer> outro";
  private static final String BETWEEN = "post:\n  - between: { start: \"<answer>\", end: \"</answer>\" }\n";

  private void write(String file, String content) throws IOException {
    Path path = prompts.resolve(file);
    Files.createDirectories(path.getParent());
    Files.writeString(path, content);
  }

  @Test
  void aTaskCallIsContinuedWithItsOwnVariantAndPostProcessingState() {
    for (String route : List.of("continue-with-prefill", "continue-by-replay")) {
      StreamReply reply = await(client.stream(new JsonObject().put("model", "task:" + route).put("stream", true)
          .put("variables", new JsonObject())));
      assertThat(reply.text()).as(route).isEqualTo("one two three four five six seven eight nine ten");
      assertThat(reply.last().data()).isEqualTo("[DONE]");
      assertThat(reply.headers().get("x-modelmux-prompt")).startsWith(route + "/gpt-4@");
    }
    assertThat(fixture.emulator.stats("claude-2").requests()).isEqualTo(1);
    assertThat(fixture.emulator.stats("gpt-3.5-turbo").requests()).isEqualTo(1);
  }

  private static String expected() {
    return AnswerText.of(new JsonArray().add(new JsonObject().put("role", "user").put("content", ASK)));
  }

  private StreamReply openAi(String route) {
    return openAi(route, new JsonObject());
  }

  private StreamReply openAi(String route, JsonObject extra) {
    return await(client.stream(extra.copy().put("model", route).put("stream", true)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", ASK)))));
  }

  private StreamReply anthropic(String route, JsonObject extra) {
    return await(client.stream("/v1/messages", extra.copy().put("model", route).put("stream", true).put("max_tokens", 2000)
        .put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", ASK)))));
  }

  private static String anthropicText(StreamReply reply) {
    StringBuilder text = new StringBuilder();
    for (SseEvent e : reply.events()) {
      if (e.event().equals("content_block_delta")) {
        text.append(new JsonObject(e.data()).getJsonObject("delta").getString("text", ""));
      }
    }
    return text.toString();
  }

  @Test
  void aCutStreamContinuesOnAPrefillProviderAsOneSeamlessStream() {
    StreamReply reply = openAi("continue-with-prefill");
    assertThat(reply.text()).isEqualTo(expected());
    assertThat(reply.last().data()).isEqualTo("[DONE]");
    assertThat(reply.events()).noneMatch(e -> e.data().contains("\"error\""));
    assertThat(fixture.emulator.stats("claude-2").requests()).isEqualTo(1);
  }

  @Test
  void aCutStreamContinuesByReplayOnAProviderWithoutPrefill() {
    StreamReply reply = openAi("continue-by-replay");
    assertThat(reply.text()).isEqualTo(expected());
    assertThat(reply.last().data()).isEqualTo("[DONE]");
    assertThat(fixture.emulator.stats("gpt-3.5-turbo").requests()).isEqualTo(1);
  }

  @Test
  void anAnthropicClientSeesOneMessageToo() {
    StreamReply reply = await(client.stream("/v1/messages", new JsonObject().put("model", "continue-by-replay").put("stream", true)
        .put("max_tokens", 500).put("messages", new JsonArray().add(new JsonObject().put("role", "user").put("content", ASK)))));
    assertThat(anthropicText(reply)).isEqualTo(expected());
    assertThat(reply.events()).extracting(SseEvent::event).containsOnlyOnce("message_start", "content_block_start", "message_stop");
    assertThat(reply.last().event()).isEqualTo("message_stop");
  }

  @Test
  void aContinuationThatIsRejectedEndsWithTheOriginalError() {
    fixture.emulator.setFault("claude-2", Fault.status(400));
    StreamReply reply = openAi("continue-with-prefill");
    JsonObject error = new JsonObject(reply.last().data()).getJsonObject("error");
    assertThat(error.getString("message")).contains("oa-gpt4").contains("broke off");
    assertThat(expected()).startsWith(reply.text());
    assertThat(fixture.emulator.stats("claude-2").requests()).as("the prefill, then the replay, both refused").isEqualTo(2);

    // Refused without the prefill too: the 400 was not the prefill's, so the deployment still gets one next time.
    fixture.emulator.setFault("claude-2", Fault.of(Kind.REJECT_PREFILL));
    assertThat(openAi("continue-with-prefill").text()).isEqualTo(expected());
    assertThat(fixture.emulator.stats("claude-2").requests()).isEqualTo(4);
    assertThat(fixture.emulator.stats("claude-2").faults()).as("one more refused prefill").isEqualTo(3);
  }

  @Test
  void aPrefillRefusedByTheFallbackIsContinuedThereByReplayAndRemembered() {
    fixture.emulator.setFault("claude-3", Fault.of(Kind.REJECT_PREFILL));
    StreamReply reply = openAi("prefill-refused");
    assertThat(reply.text()).isEqualTo(expected());
    assertThat(reply.last().data()).isEqualTo("[DONE]");
    assertThat(reply.events()).noneMatch(e -> e.data().contains("\"error\""));
    assertThat(fixture.emulator.stats("claude-3").requests()).as("the refused prefill, then the replay").isEqualTo(2);
    assertThat(fixture.emulator.stats("claude-3").faults()).isEqualTo(1);

    StreamReply again = openAi("prefill-refused");
    assertThat(again.text()).isEqualTo(expected());
    assertThat(again.last().data()).isEqualTo("[DONE]");
    assertThat(fixture.emulator.stats("claude-3").requests()).as("straight to the replay").isEqualTo(3);
    assertThat(fixture.emulator.stats("claude-3").faults()).isEqualTo(1);
  }

  @Test
  void anAnthropicClientGetsOneMessageWhenTheFallbackRefusesThePrefill() {
    fixture.emulator.setFault("claude-3", Fault.of(Kind.REJECT_PREFILL));
    StreamReply reply = anthropic("prefill-refused", new JsonObject());
    assertThat(anthropicText(reply)).isEqualTo(expected());
    assertThat(reply.events()).extracting(SseEvent::event).containsOnlyOnce("message_start", "content_block_start", "message_stop");
    assertThat(reply.events()).extracting(SseEvent::event).doesNotContain("error");
    assertThat(reply.last().event()).isEqualTo("message_stop");
    assertThat(fixture.emulator.stats("claude-3").requests()).isEqualTo(2);
    assertThat(fixture.emulator.stats("claude-3").faults()).isEqualTo(1);
  }

  @Test
  void aDeploymentConfiguredWithoutPrefillIsContinuedByReplayAtOnce() {
    fixture.emulator.setFault("claude-3", Fault.of(Kind.REJECT_PREFILL));
    StreamReply reply = openAi("prefill-off");
    assertThat(reply.text()).isEqualTo(expected());
    assertThat(reply.last().data()).isEqualTo("[DONE]");
    assertThat(fixture.emulator.stats("claude-3").requests()).isEqualTo(1);
    assertThat(fixture.emulator.stats("claude-3").faults()).isZero();
  }

  @Test
  void aRouteThatSaysNothingContinuesACutStream() {
    StreamReply reply = openAi("by-default");
    assertThat(reply.text()).isEqualTo(expected());
    assertThat(reply.last().data()).isEqualTo("[DONE]");
    assertThat(fixture.emulator.stats("gpt-3.5-turbo").requests()).isEqualTo(1);
  }

  @Test
  void aRequestForSeveralChoicesIsNotContinuedOnlyChoiceZeroWouldBe() {
    StreamReply reply = openAi("by-default", new JsonObject().put("n", 2));
    assertThat(reply.last().data()).isNotEqualTo("[DONE]");
    assertThat(new JsonObject(reply.last().data()).getJsonObject("error")).isNotNull();
    assertThat(fixture.emulator.stats("gpt-3.5-turbo").requests()).isZero();
  }

  @Test
  void aRequestForLogprobsIsNotContinuedTheContinuedChunksWouldCarryNone() {
    StreamReply reply = openAi("by-default", new JsonObject().put("logprobs", true));
    assertThat(reply.last().data()).isNotEqualTo("[DONE]");
    assertThat(new JsonObject(reply.last().data()).getJsonObject("error")).isNotNull();
    assertThat(fixture.emulator.stats("gpt-3.5-turbo").requests()).isZero();
  }

  @Test
  void aRequestWithExtendedThinkingIsNotContinued() {
    fixture.emulator.setFault("claude-2", Fault.of(Kind.CUT).afterTokens(6));
    StreamReply plain = anthropic("claude-first", new JsonObject());
    assertThat(anthropicText(plain)).isEqualTo(expected());
    assertThat(fixture.emulator.stats("claude-3").requests()).isEqualTo(1);

    StreamReply thinking = anthropic("claude-first", new JsonObject()
        .put("thinking", new JsonObject().put("type", "enabled").put("budget_tokens", 1024)));
    assertThat(thinking.last().event()).isEqualTo("error");
    assertThat(fixture.emulator.stats("claude-3").requests()).as("not continued").isEqualTo(1);
  }

  @Test
  void withoutTheOptionACutStreamEndsWithAnInBandError() {
    StreamReply reply = openAi("no-continuation");
    assertThat(new JsonObject(reply.last().data()).getJsonObject("error")).isNotNull();
    assertThat(fixture.emulator.stats("claude-2").requests()).isZero();
  }
}
