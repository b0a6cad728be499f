package dev.modelmux.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

class AnswerTextTest {

  private static JsonArray conversation(String last) {
    return new JsonArray()
        .add(new JsonObject().put("role", "system").put("content", "sys"))
        .add(new JsonObject().put("role", "user").put("content", "say: not this one"))
        .add(new JsonObject().put("role", "assistant").put("content", "ok"))
        .add(new JsonObject().put("role", "user").put("content", last));
  }

  @Test
  void sayAnswersExactlyTheTextOfTheLastUserTurn() {
    assertThat(AnswerText.of(conversation("say: Grüße 👋\n  second line "))).isEqualTo("Grüße 👋\n  second line ");
    assertThat(AnswerText.of(conversation("Please repeat.\nsay:x"))).isEqualTo("x");
  }

  @Test
  void wordsGivesThatManyWordsFromTheList() {
    String text = AnswerText.of(conversation("words: 25"));
    assertThat(text.split(" ")).hasSize(25).allMatch(AnswerText.WORDS::contains);
  }

  @Test
  void defaultAnswerIsDeterministicAndDependsOnRolesAndTextOnly() {
    String a = AnswerText.of(conversation("hello there"));
    assertThat(a.split(" ").length).isBetween(12, 40);
    assertThat(AnswerText.of(conversation("hello there"))).isEqualTo(a);
    assertThat(AnswerText.of(conversation("hello there!"))).isNotEqualTo(a);
    JsonArray parts = conversation("x");
    parts.getJsonObject(3).put("content", new JsonArray().add(new JsonObject().put("type", "text").put("text", "hello there")));
    assertThat(AnswerText.of(parts)).isEqualTo(a);
    assertThat(AnswerText.of(Turn.fromOpenAi(conversation("hello there")))).isEqualTo(a);
  }

  @Test
  void piecesAreWhitespaceThenWordAndConcatenateToTheText() {
    assertThat(AnswerText.pieces("Hello  big\nworld ")).containsExactly("Hello", "  big", "\nworld ");
    assertThat(AnswerText.pieces("  ")).containsExactly("  ");
    assertThat(AnswerText.pieces("")).isEmpty();
  }

  @Test
  void toolArgumentsFollowTheSchema() {
    JsonObject schema = new JsonObject("""
        {"type":"object","properties":{
          "city":{"type":"string"},"unit":{"type":"string","enum":["celsius","fahrenheit"]},
          "days":{"type":"integer"},"ratio":{"type":"number"},"alerts":{"type":"boolean"},
          "tags":{"type":"array","items":{"type":"string"}},
          "where":{"type":"object","properties":{"lat":{"type":"number"}},"required":["lat"]},
          "maybe":{"type":["null","integer"]}},
         "required":["city","extra"]}""");
    JsonObject args = new JsonObject(ToolArguments.forParameters(schema));
    assertThat(args.getString("city")).isEqualTo("emulated");
    assertThat(args.getString("unit")).isEqualTo("celsius");
    assertThat(args.getInteger("days")).isEqualTo(1);
    assertThat(args.getDouble("ratio")).isEqualTo(1.5);
    assertThat(args.getBoolean("alerts")).isTrue();
    assertThat(args.getJsonArray("tags")).containsExactly("emulated");
    assertThat(args.getJsonObject("where").getDouble("lat")).isEqualTo(1.5);
    assertThat(args.getInteger("maybe")).isEqualTo(1);
    assertThat(args.containsKey("extra")).isTrue();
    assertThat(ToolArguments.forParameters(null)).isEqualTo("{}");
  }

  @Test
  void toolArgumentFragmentsConcatenate() {
    String args = "{\"city\":\"emulated\"}";
    List<String> fragments = AnswerPlanner.fragments(args);
    assertThat(fragments).hasSize(3);
    assertThat(String.join("", fragments)).isEqualTo(args);
    assertThat(AnswerPlanner.fragments("{}")).containsExactly("{", "}");
  }

  @Test
  void goDurationsLookLikeGos() {
    assertThat(GoDuration.format(0)).isEqualTo("0s");
    assertThat(GoDuration.format(20)).isEqualTo("20ms");
    assertThat(GoDuration.format(1000)).isEqualTo("1s");
    assertThat(GoDuration.format(1500)).isEqualTo("1.5s");
    assertThat(GoDuration.format(1146)).isEqualTo("1.146s");
    assertThat(GoDuration.format(360_000)).isEqualTo("6m0s");
    assertThat(GoDuration.format(3_723_500)).isEqualTo("1h2m3.5s");
  }
}
