package dev.modelmux.translate;

import static dev.modelmux.translate.TranslatorTestSupport.deployment;
import static dev.modelmux.translate.TranslatorTestSupport.relay;
import static dev.modelmux.translate.TranslatorTestSupport.splitAt;
import static dev.modelmux.translate.TranslatorTestSupport.whole;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.modelmux.config.ProviderKind;
import dev.modelmux.core.ChatRequest;
import dev.modelmux.core.Dialect;
import dev.modelmux.core.SseEvent;
import dev.modelmux.core.StreamStep;
import dev.modelmux.core.Usage;
import dev.modelmux.spi.Translator;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * OpenAI to OpenAI forwards the chunk bytes where they lie in the network chunk: what the client gets, the usage
 * billed and the text kept must not depend on where the provider's stream was cut, on the shape of its events, or on
 * what the content says.
 */
class OpenAiRelayBytesTest {
  private static final String BODY = "{\"model\":\"route\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":true}";

  private static final String ROLE = "{\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\"}}],\"usage\":null}";
  /** Content that mentions usage, in quotes, with escapes: a scan for "usage" or for the string's end must not be fooled. */
  private static final String TRICKY = "{\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"say \\\"usage\\\": null, \\\\\\\"ok\\\\\\\" "
      + "caf\u00e9 \u4e16\u754c \ud83d\ude80\"}}],\"usage\":null}";
  private static final String TRICKY_TEXT = "say \"usage\": null, \\\"ok\\\" caf\u00e9 \u4e16\u754c \ud83d\ude80";
  private static final String SPACED = "{\"usage\" : null , \"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"!\"}}]}";
  private static final String FINISH = "{\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":null}";
  private static final String USAGE = "{\"id\":\"c\",\"choices\":[],\"usage\":{\"prompt_tokens\":11,\"completion_tokens\":3,\"total_tokens\":14}}";

  /** Every shape of event the scan must handle: CRLF, a comment and an event line, and LF. */
  private static final String STREAM = "data: " + ROLE + "\n\n"
      + ": keep-alive\n\n"
      + "data: " + TRICKY + "\r\n\r\n"
      + "event: message\ndata: " + SPACED + "\n\n"
      + "data: " + FINISH + "\n\n"
      + "data: " + USAGE + "\n\n"
      + "data: [DONE]\n\n";

  private static Translator translator(boolean includeUsage) {
    JsonObject body = new JsonObject(BODY);
    ChatRequest request = new ChatRequest("req", Dialect.OPENAI, body, "route", true, includeUsage, null, BODY.length(), Buffer.buffer(BODY));
    return Translators.create(request, deployment(ProviderKind.OPENAI, "gpt-4", 4096), true);
  }

  @Test
  void withoutUsageAskedTheUsageIsCutAndTheRestIsByteForByteWhereverTheStreamIsCut() {
    String expected = "data: " + ROLE.replace(",\"usage\":null", "") + "\n\n"
        + "data: " + TRICKY.replace(",\"usage\":null", "") + "\n\n"
        + "data: { \"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"!\"}}]}\n\n"
        + "data: " + FINISH.replace(",\"usage\":null", "") + "\n\n"
        + "data: [DONE]\n\n";
    assertThat(expected).contains("say \\\"usage\\\": null, ");
    byte[] all = STREAM.getBytes(StandardCharsets.UTF_8);
    for (int cut = 0; cut <= all.length; cut++) {
      Translator translator = translator(false);
      TranslatorTestSupport.Relayed relayed = relay(translator, splitAt(STREAM, cut));
      assertThat(relayed.output()).as("cut at %d", cut).isEqualTo(expected);
      assertThat(relayed.steps()).as("cut at %d", cut).containsExactly(StreamStep.HOLD, StreamStep.CONTENT, StreamStep.CONTENT,
          StreamStep.CONTENT, StreamStep.COMPLETE);
      assertThat(translator.usage()).isEqualTo(new Usage(11, 3));
      assertThat(translator.textSoFar()).isEqualTo(TRICKY_TEXT + "!");
    }
  }

  @Test
  void withUsageAskedEveryChunkPassesAsItCameInItsCanonicalShape() {
    String expected = "data: " + ROLE + "\n\ndata: " + TRICKY + "\n\ndata: " + SPACED + "\n\ndata: " + FINISH + "\n\ndata: " + USAGE
        + "\n\ndata: [DONE]\n\n";
    byte[] all = STREAM.getBytes(StandardCharsets.UTF_8);
    for (int cut = 0; cut <= all.length; cut++) {
      Translator translator = translator(true);
      assertThat(relay(translator, splitAt(STREAM, cut)).output()).as("cut at %d", cut).isEqualTo(expected);
      assertThat(translator.usage()).isEqualTo(new Usage(11, 3));
    }
  }

  @Test
  void aStreamWithoutUsageBillsNothingItWasNotTold() {
    String stream = "data: " + TRICKY + "\n\ndata: " + FINISH + "\n\ndata: [DONE]\n\n";
    Translator translator = translator(true);
    assertThat(relay(translator, whole(stream)).output()).isEqualTo(stream);
    assertThat(translator.usage()).isEqualTo(Usage.UNKNOWN);
  }

  @Test
  void anErrorMidStreamIsTheProvidersWhetherInTheDataOrTheEventName() {
    String content = "data: " + TRICKY + "\n\n";
    for (String error : List.of("data: {\"error\":{\"message\":\"overloaded now\"}}\n\n",
        "event: error\ndata: {\"error\":{\"message\":\"overloaded now\"}}\n\n")) {
      byte[] all = (content + error + "data: " + FINISH + "\n\n").getBytes(StandardCharsets.UTF_8);
      for (int cut = 0; cut <= all.length; cut++) {
        Translator translator = translator(false);
        int at = cut;
        assertThatThrownBy(() -> relay(translator, splitAt(new String(all, StandardCharsets.UTF_8), at)))
            .as("cut at %d", cut).hasMessageContaining("overloaded now");
        assertThat(translator.textSoFar()).isEqualTo(TRICKY_TEXT);
      }
    }
  }

  @Test
  void doneEndsTheAnswerAndBeforeAFinishItIsIncomplete() {
    Translator finished = translator(false);
    assertThat(relay(finished, whole("data: " + FINISH + "\n\ndata: [DONE]\n\ndata: " + TRICKY + "\n\n")).steps())
        .containsExactly(StreamStep.CONTENT, StreamStep.COMPLETE);
    assertThatThrownBy(() -> relay(translator(false), whole("data: " + TRICKY + "\n\ndata: [DONE]\n\n")))
        .hasMessageContaining("before the answer was complete");
  }

  /** An event read from the middle of a larger array: the peek must read and cut only its range. */
  @Test
  void anEventInTheMiddleOfAnArrayIsReadAndCutWithinItsRange() {
    byte[] around = ("{\"usage\":{\"prompt_tokens\":999}}" + TRICKY + ",\"usage\":{\"prompt_tokens\":5}}").getBytes(StandardCharsets.UTF_8);
    int offset = "{\"usage\":{\"prompt_tokens\":999}}".length();
    int length = TRICKY.getBytes(StandardCharsets.UTF_8).length;
    Translator translator = translator(false);
    Buffer out = Buffer.buffer();
    assertThat(translator.onEvent(new SseEvent("message", around, offset, length, false), out)).isEqualTo(StreamStep.CONTENT);
    assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("data: " + TRICKY.replace(",\"usage\":null", "") + "\n\n");
    assertThat(translator.usage()).isEqualTo(Usage.UNKNOWN);
  }
}
