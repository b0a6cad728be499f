package dev.modelmux.prompts.post;

import static dev.modelmux.prompts.post.Splits.outputOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.modelmux.config.ConfigException;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Each post-processor, streamed split at every offset and char by char, gives what it gives the whole answer. */
class ProcessorsTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  @Test
  void betweenKeepsTheTextInsideTheMarkers() {
    outputOf(() -> new Between("<answer>", "</answer>"),
        "Sure! Here's what you asked for:\n\n<answer>a <b> loop</answer>\n\nLet me know!", "a <b> loop");
    outputOf(() -> new Between("<answer>", "</answer>"), "<answer>unfinished </ans", "unfinished </ans");
    outputOf(() -> new Between("<answer>", null), "lead <answer>all the rest", "all the rest");
    outputOf(() -> new Between("<<", ">>"), "<<<a>>>", "<a");
  }

  @Test
  void betweenStreamsTheInsideAndHoldsOnlyAPossibleEndMarker() {
    TextProcessor between = new Between("<answer>", "</answer>");
    assertThat(between.push("blurb <ans")).isEmpty();
    assertThat(between.push("wer>first ")).isEqualTo("first ");
    assertThat(between.push("second</an")).isEqualTo("second");
    assertThat(between.push("swer> dropped")).isEmpty();
    assertThat(between.finish()).isEmpty();
  }

  @Test
  void anAnswerWithoutTheStartMarkerDoesNotConform() {
    for (int at = 0; at <= 10; at++) {
      TextProcessor between = new Between("<answer>", "</answer>");
      between.push("no markers".substring(0, at));
      between.push("no markers".substring(at));
      assertThatThrownBy(between::finish).isInstanceOf(NonConformingAnswer.class).hasMessageContaining("<answer>");
    }
  }

  @Test
  void stripPreambleDropsLeadInLinesOnly() {
    Pattern leadIn = StripPreamble.LEAD_IN;
    outputOf(() -> new StripPreamble(leadIn), "Sure! Here's what you asked for:\n\nThe loop sums a.", "The loop sums a.");
    outputOf(() -> new StripPreamble(leadIn), "Here is my answer.\n\n  indented code\nmore", "  indented code\nmore");
    outputOf(() -> new StripPreamble(leadIn), "Sure!\nHere's the code:\n\nx = 1\n", "x = 1\n");
    outputOf(() -> new StripPreamble(leadIn), "The loop sums a.\nSure! that is all.", "The loop sums a.\nSure! that is all.");
    outputOf(() -> new StripPreamble(leadIn), "Sure!", "Sure!");
    outputOf(() -> new StripPreamble(leadIn), "Sure!\n\n", "");
    outputOf(() -> new StripPreamble(leadIn), "", "");
  }

  @Test
  void stripPreamblePassesEverythingOnceTheFirstLineIsNotALeadIn() {
    TextProcessor strip = new StripPreamble(StripPreamble.LEAD_IN);
    assertThat(strip.push("Th")).as("no lead-in starts with \"Th\": sent at once").isEqualTo("Th");
    assertThat(strip.push("e loop sums.\nIt")).isEqualTo("e loop sums.\nIt");
    TextProcessor maybe = new StripPreamble(StripPreamble.LEAD_IN);
    assertThat(maybe.push("Sure")).as("a possible lead-in is held").isEmpty();
    assertThat(maybe.push("ly the loop")).as("no lead-in starts with \"Surely\"").isEqualTo("Surely the loop");
    assertThat(maybe.push(" sums.")).isEqualTo(" sums.");
  }

  @Test
  void stripCodeFenceUnwrapsOneCodeBlock() {
    outputOf(StripCodeFence::new, "```java\nint x = 1;\nint y = 2;\n```\nThis sets x.", "int x = 1;\nint y = 2;");
    outputOf(StripCodeFence::new, "  \n```\ncode\n", "code\n");
    outputOf(StripCodeFence::new, "```\n```", "");
    outputOf(StripCodeFence::new, "plain text with ``` inside", "plain text with ``` inside");
    outputOf(StripCodeFence::new, "``not a fence", "``not a fence");
    outputOf(StripCodeFence::new, "```py\na = '``'\n``b\n```", "a = '``'\n``b");
  }

  @Test
  void stripCodeFenceStreamsTheCode() {
    TextProcessor strip = new StripCodeFence();
    assertThat(strip.push("```java\nint x")).isEqualTo("int x");
    assertThat(strip.push(" = 1;\n")).isEqualTo(" = 1;");
    assertThat(strip.push("``")).isEmpty();
    assertThat(strip.push("`\ntrailing")).isEmpty();
    assertThat(strip.finish()).isEmpty();
  }

  @Test
  void regexReplaceWorksLineByLine() {
    Pattern todo = Pattern.compile("TODO\\((\\w+)\\)");
    outputOf(() -> new RegexReplace(todo, "FIXME[$1]"), "a TODO(bob)\nb\nTODO(al) c", "a FIXME[bob]\nb\nFIXME[al] c");
    outputOf(() -> new RegexReplace(Pattern.compile("^\\s+"), ""), "  a\n    b\n", "a\nb\n");
  }

  @Test
  void jsonExtractsTheFirstValueAndChecksItsSchema() {
    JsonNode schema = tree("{type: object, required: [tests], properties: {tests: {type: array}}}");
    PostPipeline json = pipeline("- json: {schema: " + schema + "}");
    String answer = "Sure! Here it is:\n```json\n{\"tests\": [\"a}\", \"b\\\"]\"]}\n```\nDone {x}.";
    outputOf(json::newRun, answer, "{\"tests\": [\"a}\", \"b\\\"]\"]}");
    outputOf(() -> new JsonValue(null), "[1, [2, {\"a\": 3}]] trailing", "[1, [2, {\"a\": 3}]]");
    for (String bad : List.of("no json here", "{\"tests\": [1, 2", "{\"other\": 1}", "{\"tests\": nope}")) {
      for (int at = 0; at <= bad.length(); at++) {
        TextProcessor run = json.newRun();
        String first = bad.substring(0, at);
        String second = bad.substring(at);
        assertThatThrownBy(() -> Splits.run(run, first, second)).as("%s split at %d", bad, at).isInstanceOf(NonConformingAnswer.class);
      }
    }
  }

  @Test
  void theJsonValueIsHeldUntilItCloses() {
    TextProcessor json = new JsonValue(null);
    assertThat(json.push("Here: {\"a\": ")).isEmpty();
    assertThat(json.push("1}")).isEqualTo("{\"a\": 1}");
    assertThat(json.push(" more")).isEmpty();
    assertThat(json.finish()).isEmpty();
  }

  @Test
  void aPipelineChainsItsProcessorsInOrder() {
    PostPipeline post = pipeline("""
        - between: { start: "<answer>", end: "</answer>" }
        - strip_preamble: true
        - strip_code_fence: true
        - regex_replace: { pattern: "\\\\t", replace: "  " }
        - strip_code_fence: false
        """);
    assertThat(post.names()).containsExactly("between", "strip_preamble", "strip_code_fence", "regex_replace");
    String answer = "Sure! Here you go:\n<answer>Here is the code:\n\n```java\n\tint x;\n```\nbye</answer> Let me know!";
    assertThat(outputOf(post::newRun, answer, "  int x;")).isEqualTo(post.apply(answer));
  }

  @Test
  void badSettingsAreRefusedNamingTheField() {
    assertThatThrownBy(() -> pipeline("- between: { end: x }")).isInstanceOf(ConfigException.class).hasMessageContaining("post[0].between.start");
    assertThatThrownBy(() -> pipeline("- shout: true")).hasMessageContaining("post[0].shout").hasMessageContaining("unknown post-processor");
    assertThatThrownBy(() -> pipeline("- regex_replace: { pattern: \"(\" }")).hasMessageContaining("post[0].regex_replace.pattern");
    assertThatThrownBy(() -> pipeline("- json: { schema: {type: 12} }")).hasMessageContaining("post[0].json.schema");
    assertThatThrownBy(() -> pipeline("- between: {start: a}\n- strip_code_fence: yes please")).hasMessageContaining("post[1].strip_code_fence");
    assertThat(pipeline("[]").isEmpty()).isTrue();
  }

  private static PostPipeline pipeline(String yaml) {
    return PostPipeline.parse(tree(yaml), "post");
  }

  private static JsonNode tree(String yaml) {
    try {
      return YAML.readTree(yaml);
    } catch (Exception e) {
      throw new IllegalArgumentException(e);
    }
  }
}
