package dev.modelmux.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.modelmux.config.ConfigException;
import dev.modelmux.config.ConfigNode;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The emulated families' answer shapes (clean, blurb, Claude's lead-in), markers on request, and canned answers. */
class AnswerStyleTest {
  private static final List<ScriptedAnswer> SCRIPTS = parse("""
      answers:
        - { when: "Explain this (\\\\w+) code", say: "This $1 code sums the array." }
      """).answers();

  @Test
  void eachStyleDressesTheSameCore() {
    List<Turn> ask = List.of(new Turn("system", "You explain code."), new Turn("user", "Explain this java code:\nfor (...)"));
    assertThat(AnswerPlanner.answerText(ask, AnswerStyle.CLEAN, SCRIPTS)).isEqualTo("This java code sums the array.");
    assertThat(AnswerPlanner.answerText(ask, AnswerStyle.BLURB, SCRIPTS)).isEqualTo(
        "Sure! Here's what you asked for:\n\nThis java code sums the array.\n\nLet me know if you have any other questions!");
    assertThat(AnswerPlanner.answerText(ask, AnswerStyle.CLAUDE, SCRIPTS)).isEqualTo("Here is my answer.\n\nThis java code sums the array.");
  }

  @Test
  void markersAreUsedWhenThePromptAsksForThem() {
    List<Turn> ask = List.of(new Turn("system", "Answer inside <answer></answer> tags."), new Turn("user", "Explain this go code: x"));
    assertThat(AnswerPlanner.answerText(ask, AnswerStyle.BLURB, SCRIPTS)).isEqualTo(
        "Sure! Here's what you asked for:\n\n<answer>This go code sums the array.</answer>\n\nLet me know if you have any other questions!");
  }

  @Test
  void directivesStayExactAndUnscriptedAnswersAreTheUsualWords() {
    assertThat(AnswerPlanner.answerText(List.of(new Turn("user", "say: exactly this")), AnswerStyle.BLURB, SCRIPTS)).isEqualTo("exactly this");
    List<Turn> other = List.of(new Turn("user", "hello"));
    assertThat(AnswerPlanner.answerText(other, AnswerStyle.CLAUDE, SCRIPTS)).isEqualTo("Here is my answer.\n\n" + AnswerText.of(other));
  }

  @Test
  void badStylesAndPatternsAreRefusedNamingTheField() {
    assertThatThrownBy(() -> parse("models: [{ name: m, style: chatty }]")).isInstanceOf(ConfigException.class)
        .hasMessageContaining("emulator.models[0].style");
    assertThatThrownBy(() -> parse("answers: [{ when: \"(\", say: x }]")).hasMessageContaining("emulator.answers[0].when");
    assertThat(parse("models: [{ name: m, style: blurb }]").models().get(0).style()).isEqualTo(AnswerStyle.BLURB);
  }

  private static EmulatorConfig parse(String yaml) {
    try {
      return EmulatorConfig.parse(ConfigNode.of(new ObjectMapper(new YAMLFactory()).readTree(yaml), "emulator"));
    } catch (IOException e) {
      throw new IllegalArgumentException(e);
    }
  }
}
