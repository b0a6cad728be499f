package dev.modelmux.fit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Finding fenced code blocks and cutting them in the middle. */
class FencedCodeTrimTest {
  private static String lines(String prefix, int count) {
    return IntStream.rangeClosed(1, count).mapToObj(i -> prefix + i).collect(Collectors.joining("\n"));
  }

  @Test
  void findsBacktickAndTildeBlocksAndAnUnclosedOneRunsToTheEnd() {
    String text = "intro\n```java\n" + lines("a", 3) + "\n```\nbetween\n~~~~\n" + lines("b", 2) + "\n~~~~\nafter\n```\n" + lines("c", 4);
    FencedCode code = FencedCode.parse(text);
    assertThat(code.blocks()).extracting(FencedCode.Block::lines).containsExactly(3, 2, 4);
  }

  @Test
  void aShorterOrDifferentFenceDoesNotCloseTheBlock() {
    String text = "````md\n```\ninner\n~~~\n````\nplain";
    FencedCode code = FencedCode.parse(text);
    assertThat(code.blocks()).containsExactly(new FencedCode.Block(1, 4));
  }

  @Test
  void inlineTriplesAreNotFences() {
    assertThat(FencedCode.parse("use ```x``` inline\n```a`b\nnot code").blocks()).isEmpty();
  }

  @Test
  void rendersHeadMarkerTailAndLeavesTheRestAlone() {
    String text = "before\n```\n" + lines("line", 10) + "\n```\nmiddle\n```\n" + lines("other", 5) + "\n```\nafter";
    FencedCode code = FencedCode.parse(text);
    String cut = code.render(new int[] {5, -1});
    assertThat(cut).isEqualTo("before\n```\nline1\nline2\nline3\n" + FencedCode.marker(5) + "\nline9\nline10\n```\nmiddle\n```\n"
        + lines("other", 5) + "\n```\nafter");
    assertThat(code.render(new int[] {-1, -1})).isEqualTo(text);
    assertThat(code.render(new int[] {10, 5})).as("keeping every line changes nothing").isEqualTo(text);
    assertThat(FencedCode.marker(123)).isEqualTo("... [modelmux: 123 lines trimmed] ...");
  }
}
