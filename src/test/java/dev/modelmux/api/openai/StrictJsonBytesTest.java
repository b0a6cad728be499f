package dev.modelmux.api.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.modelmux.api.StrictJson;
import dev.modelmux.core.ChatRequest;
import dev.modelmux.core.GatewayError;
import dev.modelmux.core.GatewayException;
import dev.modelmux.core.JsonMembers;
import dev.modelmux.core.MemberSpans;
import io.vertx.core.buffer.Buffer;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The body is read once, from its bytes: what that read notes about the top-level members lets the model be rewritten
 * with the very bytes a second parse made, and the bytes Jackson alone would let through (overlong forms, encoded
 * surrogates, a byte order mark, another encoding's NULs) are refused as before.
 */
class StrictJsonBytesTest {
  private static final GatewayException NOT_JSON = new GatewayException(GatewayError.invalid("not json", null, null));

  private static StrictJson.Read read(Buffer raw) {
    return StrictJson.object(raw, OpenAiWording.INSTANCE, () -> NOT_JSON);
  }

  private static GatewayError refusal(Buffer raw) {
    return catchThrowableOfType(GatewayException.class, () -> read(raw)).error();
  }

  private static final List<String> BODIES = List.of(
      "{\"model\":\"gpt-4o\",\"messages\":[]}",
      "  {  \"messages\" : [ {\"role\":\"user\",\"content\":\"a,b}\"} ] ,\n\t\"model\"  :  \"x\\\"y\\\\z\\u00e9\"  , \"n\":1 }  ",
      "{\"messages\":[],\"model\":\"caf\u00e9 \ud83d\ude00\",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}],"
          + "\"temperature\":0.5}",
      "{\"m\\u006fdel\":\"escaped name\",\"metadata\":{\"model\":\"nested, not top-level\"},\"stream\":false,\"x\":null}",
      "{\"model\":{\"odd\":[1,2,{\"model\":3}]},\"stop\":[\",\",\"}\"],\"last\":true}",
      "{}",
      "{\"only\":\"\u00fcnic\u00f6de k\u00e9y \u4e2d\"}");

  @Test
  void patchingFromTheNotedSpansGivesTheBytesASecondParseGave() {
    List<Map<String, String>> changes = List.of(Map.of("model", "\"deployment-model\""), nullable("model", null),
        Map.of("model", "\"m\"", "max_tokens", "12"), Map.of("stream_options", "{\"include_usage\":true}"));
    for (String text : BODIES) {
      for (int pad : new int[] {0, 7}) {
        Buffer raw = sliced(text, pad);
        MemberSpans members = read(raw).members();
        for (Map<String, String> change : changes) {
          assertThat(JsonMembers.patch(raw, members, change).toString()).as(text + " " + change)
              .isEqualTo(JsonMembers.patch(raw, change).toString());
        }
        for (String name : List.of("model", "tools", "messages", "only", "m\u006fdel", "absent", "last")) {
          assertThat(JsonMembers.value(raw, members, name)).as(text + " " + name).isEqualTo(JsonMembers.value(raw, name));
        }
      }
    }
  }

  @Test
  void aRequestPatchesItsModelWithoutAnotherParseAndKeepsEveryOtherByte() {
    String text = "{ \"model\" : \"r\\u00e9\\\"oute\" ,\"messages\":[{\"role\":\"user\",\"content\":\"\u00e9\"}], \"n\" :1}";
    Buffer raw = Buffer.buffer(text);
    StrictJson.Read read = read(raw);
    assertThat(read.object().getString("model")).isEqualTo("r\u00e9\"oute");
    ChatRequest request = new ChatRequest("r", null, read.object(), "m", false, false, null, raw.length(), raw, read.members());
    assertThat(request.patchedBody(Map.of("model", "\"dep\"")).toString(StandardCharsets.UTF_8))
        .isEqualTo("{\"model\":\"dep\",\"messages\":[{\"role\":\"user\",\"content\":\"\u00e9\"}],\"n\" :1}");
    assertThat(request.sentMember("model")).isEqualTo("\"r\\u00e9\\\"oute\"");
  }

  @Test
  void aDuplicateModelIsRefusedBeforeAnyPatchCouldCopyIt() {
    for (String text : List.of("{\"model\":\"a\",\"model\":\"b\"}", "{\"model\":\"a\",\"mod\\u0065l\":\"b\"}",
        "{\"model\":\"a\",\"x\":{},\"model\":{\"bad json\"}}")) {
      GatewayError error = refusal(Buffer.buffer(text));
      assertThat(error.param()).as(text).isEqualTo("model");
      assertThat(error.message()).contains("duplicate key 'model'");
    }
    GatewayError inArray = refusal(Buffer.buffer("[{\"a\":1,\"a\":2}]"));
    assertThat(inArray.param()).isEqualTo("[0].a");
  }

  @Test
  void whatJacksonWouldReadAsAnotherEncodingIsNotJson() {
    byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, '{', '}'};
    byte[] utf16 = "{\"model\":\"x\"}".getBytes(StandardCharsets.UTF_16LE);
    byte[] utf32 = {0, 0, 0, '{', 0, 0, 0, '}'};
    byte[] trailingNul = {'{', '}', 0};
    for (byte[] body : new byte[][] {bom, utf16, utf32, trailingNul}) {
      assertThat(refusal(Buffer.buffer(body))).isSameAs(NOT_JSON.error());
    }
    assertThat(refusal(Buffer.buffer("{\"a\":1} {\"b\":2}"))).isSameAs(NOT_JSON.error());
    assertThat(refusal(Buffer.buffer(""))).isSameAs(NOT_JSON.error());
    assertThat(refusal(Buffer.buffer("\"text\""))).isSameAs(NOT_JSON.error());
  }

  @Test
  void nestingDeeperThanTheDefaultLimitIsNotJson() {
    String deep = "{\"a\":" + "[".repeat(1001) + "]".repeat(1001) + "}";
    assertThat(refusal(Buffer.buffer(deep))).isSameAs(NOT_JSON.error());
    String fine = "{\"a\":" + "[".repeat(900) + "]".repeat(900) + "}";
    assertThat(read(Buffer.buffer(fine)).object().getJsonArray("a")).isNotNull();
  }

  /** Random bytes inside a string: refused as not UTF-8 exactly when the JDK's strict decoder refuses them. */
  @Test
  void utf8IsJudgedAsTheStrictDecoderJudgesIt() {
    Random random = new Random(26);
    int refused = 0;
    for (int i = 0; i < 5000; i++) {
      byte[] inside = new byte[1 + random.nextInt(6)];
      for (int j = 0; j < inside.length; j++) {
        inside[j] = (byte) (0x80 + random.nextInt(0x80) - (random.nextInt(4) == 0 ? 0x40 : 0));
        if (inside[j] == '"' || inside[j] == '\\' || (inside[j] >= 0 && inside[j] < 0x20)) {
          inside[j] = 'a';
        }
      }
      Buffer body = Buffer.buffer("{\"content\":\"").appendBytes(inside).appendString("\"}");
      boolean decodes = decodes(body.getBytes());
      GatewayException thrown = catchThrowableOfType(GatewayException.class, () -> read(body));
      assertThat(thrown == null).as(HexFormat.of().formatHex(inside)).isEqualTo(decodes);
      if (thrown != null) {
        refused++;
        assertThat(thrown.error().message()).contains("not valid UTF-8");
      } else {
        assertThat(read(body).object().getString("content")).isEqualTo(new String(inside, StandardCharsets.UTF_8));
      }
    }
    assertThat(refused).isBetween(100, 4900);
  }

  private static boolean decodes(byte[] bytes) {
    try {
      StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  /** The body at an offset inside a larger buffer, as a slice of it. */
  private static Buffer sliced(String text, int pad) {
    Buffer whole = Buffer.buffer("#".repeat(pad)).appendString(text).appendString("#".repeat(pad));
    return whole.slice(pad, whole.length() - pad);
  }

  private static Map<String, String> nullable(String name, String value) {
    Map<String, String> map = new HashMap<>();
    map.put(name, value);
    return map;
  }
}
