package dev.modelmux.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.modelmux.api.anthropic.AnthropicRequestParser;
import dev.modelmux.api.openai.OpenAiRequestParser;
import dev.modelmux.core.GatewayError;
import dev.modelmux.core.GatewayException;
import dev.modelmux.core.JsonMembers;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Both dialects read a body strictly: a key twice in one object, or bytes that are not UTF-8, is a 400 saying where. */
class StrictJsonTest {
  private static final String OPENAI_MESSAGES = "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";

  private static GatewayError openAi(String body) {
    return catchThrowableOfType(GatewayException.class, () -> OpenAiRequestParser.parse("r", Buffer.buffer(body))).error();
  }

  private static GatewayError anthropic(String body) {
    return catchThrowableOfType(GatewayException.class, () -> AnthropicRequestParser.parse("r", Buffer.buffer(body))).error();
  }

  @Test
  void aTopLevelKeyTwiceIsRefusedNamingIt() {
    GatewayError error = openAi("{\"model\":\"x\"," + OPENAI_MESSAGES + ",\"model\":\"code-reasoning\"}");
    assertThat(error.status()).isEqualTo(400);
    assertThat(error.param()).isEqualTo("model");
    assertThat(error.message()).contains("duplicate key 'model'");

    GatewayError anthropicError = anthropic("{\"model\":\"x\",\"max_tokens\":5," + OPENAI_MESSAGES + ",\"model\":\"y\"}");
    assertThat(anthropicError.status()).isEqualTo(400);
    assertThat(anthropicError.message()).startsWith("model: ").contains("duplicate key 'model'");
  }

  @Test
  void aNestedKeyTwiceIsRefusedWithItsPathInTheDialectsWords() {
    String nested = "{\"model\":\"x\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"a\"},"
        + "{\"role\":\"assistant\",\"content\":[{\"type\":\"text\",\"text\":\"b\",\"text\":\"c\"}]}]}";
    GatewayError error = openAi(nested);
    assertThat(error.param()).isEqualTo("messages[1].content[0].text");
    assertThat(error.message()).contains("duplicate key 'text'");
    assertThat(anthropic(nested).message()).startsWith("messages.1.content.0.text: ").contains("duplicate key 'text'");
  }

  @Test
  void bytesThatAreNotUtf8AreRefused() {
    byte[] overlong = {(byte) 0xc0, (byte) 0xaf};
    byte[] encodedSurrogate = {(byte) 0xed, (byte) 0xa0, (byte) 0x80};
    byte[] truncated = {(byte) 0xe2, (byte) 0x82};
    for (byte[] bad : new byte[][] {overlong, encodedSurrogate, truncated}) {
      Buffer body = Buffer.buffer("{\"model\":\"x\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"a")
          .appendBytes(bad).appendString("\"}]}");
      for (ChatEndpoint.Parser parser : new ChatEndpoint.Parser[] {OpenAiRequestParser::parse, AnthropicRequestParser::parse}) {
        GatewayError error = catchThrowableOfType(GatewayException.class, () -> parser.parse("r", body)).error();
        assertThat(error.status()).isEqualTo(400);
        assertThat(error.message()).contains("not valid UTF-8");
      }
    }
  }

  @Test
  void wellFormedJsonStillReadsAsBefore() {
    String body = "{\"model\":\"x\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"é 😀 \\u00e9\"}],"
        + "\"metadata\":{\"user_id\":\"u\"},\"temperature\":0.5}";
    assertThat(OpenAiRequestParser.parse("r", Buffer.buffer(body)).body().getJsonArray("messages").getJsonObject(0)
        .getString("content")).isEqualTo("é 😀 é");
    assertThat(AnthropicRequestParser.parse("r", Buffer.buffer(body.getBytes(StandardCharsets.UTF_8))).model()).isEqualTo("x");
    assertThat(openAi("{\"model\":\"x\"").message()).contains("could not parse");
    assertThat(openAi("[1]").message()).contains("could not parse");
    assertThat(anthropic("{\"model\":\"x\"} trailing").message()).contains("not a JSON object");
  }

  @Test
  void theBodyPatchRefusesADuplicateItWouldOtherwiseCopy() {
    Buffer twice = Buffer.buffer("{\"model\":\"x\",\"model\":\"y\"}");
    assertThat(catchThrowableOfType(IllegalArgumentException.class, () -> JsonMembers.patch(twice, Map.of("model", "\"m\""))))
        .isNotNull();
  }
}
