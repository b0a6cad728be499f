package dev.modelmux.translate;

import static dev.modelmux.translate.TranslatorTestSupport.deployment;
import static dev.modelmux.translate.TranslatorTestSupport.relay;
import static dev.modelmux.translate.TranslatorTestSupport.whole;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelmux.config.ProviderKind;
import dev.modelmux.core.ChatRequest;
import dev.modelmux.core.Dialect;
import dev.modelmux.core.JsonMembers;
import dev.modelmux.core.StreamStep;
import dev.modelmux.core.Usage;
import dev.modelmux.spi.Translator;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Same-dialect pairs forward the bytes that arrived and patch, never re-encode, the body they send. */
class PassthroughTest {
  /** Escapes, odd spacing and key order that a parse-and-encode round trip would not keep. */
  private static final String OPENAI_BODY = "{\"model\" : \"route\", \"messages\":[{\"role\":\"user\",\"content\":\"caf\\u00e9  \\/ ok\"}],"
      + "\"stream\":true,\"temperature\":0.50}";

  private static ChatRequest openAi(String raw, boolean includeUsage) {
    JsonObject body = new JsonObject(raw);
    return new ChatRequest("req", Dialect.OPENAI, body, "route", body.getBoolean("stream", false), includeUsage, null, raw.length(),
        Buffer.buffer(raw));
  }

  @Test
  void theBodyIsPatchedAndEveryOtherMemberKeepsItsBytes() {
    Buffer sent = Translators.create(openAi(OPENAI_BODY, false), deployment(ProviderKind.OPENAI, "gpt-4", 4096), false).upstreamBody();
    assertThat(sent.toString())
        .contains("\"messages\":[{\"role\":\"user\",\"content\":\"caf\\u00e9  \\/ ok\"}]")
        .contains("\"temperature\":0.50")
        .contains("\"model\":\"gpt-4\"")
        .contains("\"stream_options\":{\"include_usage\":true}")
        .doesNotContain("route");
    assertThat(new JsonObject(sent).fieldNames()).containsExactlyInAnyOrder("model", "messages", "stream", "temperature", "stream_options");
  }

  @Test
  void azureGetsTheBodyWithoutAModel() {
    Buffer sent = Translators.create(openAi(OPENAI_BODY, false), deployment(ProviderKind.AZURE, "gpt-4", 4096), false).upstreamBody();
    assertThat(new JsonObject(sent).containsKey("model")).isFalse();
    assertThat(sent.toString()).contains("caf\\u00e9  \\/ ok");
  }

  @Test
  void anthropicBodiesGetTheDeploymentsModelAndOutputCap() {
    String raw = "{ \"max_tokens\": 9000, \"model\": \"route\", \"messages\": [{\"role\":\"user\",\"content\":\"\\u00e9\"}] }";
    JsonObject body = new JsonObject(raw);
    ChatRequest request = new ChatRequest("req", Dialect.ANTHROPIC, body, "route", false, true, 9000, raw.length(), Buffer.buffer(raw));
    JsonObject sent = new JsonObject(Translators.create(request, deployment(ProviderKind.ANTHROPIC, "claude-2", 4096), false).upstreamBody());
    assertThat(sent.getString("model")).isEqualTo("claude-2");
    assertThat(sent.getInteger("max_tokens")).isEqualTo(4096);
  }

  @Test
  void chunksPassAsTheirOwnBytesAndTheUsageWeAskedForIsCutOutAgain() {
    String chunk = "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"caf\\u00e9\"},"
        + "\"finish_reason\":null}],\"usage\":null}";
    String last = "{\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":null}";
    String usage = "{\"id\":\"c1\",\"choices\":[],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":2,\"total_tokens\":9}}";
    String stream = "data: " + chunk + "\n\ndata: " + last + "\n\ndata: " + usage + "\n\ndata: [DONE]\n\n";

    Translator withoutUsage = Translators.create(openAi(OPENAI_BODY, false), deployment(ProviderKind.OPENAI, "gpt-4", 4096), true);
    TranslatorTestSupport.Relayed relayed = relay(withoutUsage, whole(stream));
    assertThat(relayed.output()).isEqualTo("data: " + chunk.replace(",\"usage\":null", "") + "\n\ndata: "
        + last.replace(",\"usage\":null", "") + "\n\ndata: [DONE]\n\n");
    assertThat(relayed.steps()).containsExactly(StreamStep.CONTENT, StreamStep.CONTENT, StreamStep.COMPLETE);
    assertThat(withoutUsage.usage()).isEqualTo(new Usage(7, 2));
    assertThat(withoutUsage.textSoFar()).isEqualTo("café");

    Translator withUsage = Translators.create(openAi(OPENAI_BODY, true), deployment(ProviderKind.OPENAI, "gpt-4", 4096), false);
    assertThat(relay(withUsage, whole(stream)).output()).isEqualTo(stream);
    assertThat(withUsage.textSoFar()).as("no continuation on the route: no text kept").isEmpty();
  }

  @Test
  void aUsageMemberFirstInTheChunkIsCutWithTheCommaAfterIt() {
    String chunk = "{\"usage\" : null , \"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}";
    Translator translator = Translators.create(openAi(OPENAI_BODY, false), deployment(ProviderKind.OPENAI, "gpt-4", 4096), false);
    assertThat(relay(translator, whole("data: " + chunk + "\n\n")).output())
        .isEqualTo("data: { \"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}\n\n");
  }

  @Test
  void aChunkThatIsNotJsonIsTheProvidersFault() {
    Translator translator = Translators.create(openAi(OPENAI_BODY, false), deployment(ProviderKind.OPENAI, "gpt-4", 4096), false);
    assertThatThrownBy(() -> relay(translator, whole("data: {\"choices\":[\n\n")))
        .hasMessageContaining("malformed answer");
  }

  @Test
  void patchAddsReplacesAndRemovesTopLevelMembersOnly() {
    Buffer raw = Buffer.buffer("{\"a\":{\"model\":1},\"model\":\"x\",\"b\":[1, 2]}");
    HashMap<String, String> changes = new HashMap<>();
    changes.put("model", null);
    changes.put("c", "true");
    assertThat(JsonMembers.patch(raw, changes).toString()).isEqualTo("{\"c\":true,\"a\":{\"model\":1},\"b\":[1, 2]}");
    assertThat(JsonMembers.patch(Buffer.buffer("{}"), Map.of("model", "\"m\"")).toString()).isEqualTo("{\"model\":\"m\"}");
    assertThatThrownBy(() -> JsonMembers.patch(Buffer.buffer("[1]"), Map.of())).isInstanceOf(IllegalArgumentException.class);
    assertThat(JsonMembers.value(raw, "b")).isEqualTo("[1, 2]");
    assertThat(JsonMembers.value(raw, "a")).isEqualTo("{\"model\":1}");
    assertThat(JsonMembers.value(raw, "missing")).isNull();
  }
}
