package dev.modelmux.tokens;

import static org.assertj.core.api.Assertions.assertThat;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingResult;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Counting in bounded pieces: the encoder never sees more than the bound, and ordinary text counts exactly as a whole. */
class TokenCounterPiecesTest {
  private static final List<Encoding> ENCODINGS = List.of(
      Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.CL100K_BASE),
      Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE));

  /** The real encoding, remembering the longest text it was given. */
  private static final class Recording implements Encoding {
    private final Encoding real;
    private int longest;

    Recording(Encoding real) {
      this.real = real;
    }

    private String seen(String text) {
      longest = Math.max(longest, text.length());
      return text;
    }

    @Override
    public IntArrayList encode(String text) {
      return real.encode(seen(text));
    }

    @Override
    public EncodingResult encode(String text, int maxTokens) {
      return real.encode(seen(text), maxTokens);
    }

    @Override
    public IntArrayList encodeOrdinary(String text) {
      return real.encodeOrdinary(seen(text));
    }

    @Override
    public EncodingResult encodeOrdinary(String text, int maxTokens) {
      return real.encodeOrdinary(seen(text), maxTokens);
    }

    @Override
    public int countTokens(String text) {
      return real.countTokens(seen(text));
    }

    @Override
    public int countTokensOrdinary(String text) {
      return real.countTokensOrdinary(seen(text));
    }

    @Override
    public String decode(IntArrayList tokens) {
      return real.decode(tokens);
    }

    @Override
    public byte[] decodeBytes(IntArrayList tokens) {
      return real.decodeBytes(tokens);
    }

    @Override
    public String getName() {
      return real.getName();
    }
  }

  /** Shapes that blew the encoder up when given whole: one run of a letter, of spaces, of newlines, of emoji, base64. */
  private static List<String> pathological() {
    Random random = new Random(22);
    StringBuilder base64 = new StringBuilder();
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (int i = 0; i < 60_000; i++) {
      base64.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return List.of("say: hi " + "a".repeat(200_000), " ".repeat(60_000), "\n".repeat(60_000), "😀".repeat(20_000),
        "b ".repeat(100_000), "x\n/".repeat(20_000), base64.toString());
  }

  @Test
  void theEncoderNeverSeesAPieceOverTheBound() {
    for (Encoding encoding : ENCODINGS) {
      for (String text : pathological()) {
        Recording recording = new Recording(encoding);
        int tokens = TokenCounter.count(recording, text);
        assertThat(tokens).isPositive();
        assertThat(recording.longest).as("longest piece of a %d-char text", text.length()).isLessThanOrEqualTo(TextPieces.MAX_CHARS);
      }
    }
  }

  @Test
  void piecesCoverTheTextInOrderWithoutSplittingACodePoint() {
    for (String text : pathological()) {
      List<int[]> pieces = new ArrayList<>();
      TextPieces.forEach(text, (start, end) -> pieces.add(new int[] {start, end}));
      int at = 0;
      for (int[] piece : pieces) {
        assertThat(piece[0]).isEqualTo(at);
        assertThat(piece[1] - piece[0]).isBetween(1, TextPieces.MAX_CHARS);
        assertThat(Character.isLowSurrogate(text.charAt(piece[0]))).isFalse();
        at = piece[1];
      }
      assertThat(at).isEqualTo(text.length());
    }
  }

  /** Prose, code and text in other scripts: the project's own README and sources, and a multilingual sample. */
  private static List<String> ordinary() throws IOException {
    List<String> texts = new ArrayList<>();
    texts.add(Files.readString(Path.of("README.md")));
    try (Stream<Path> sources = Files.walk(Path.of("src/main/java/dev/modelmux/gateway"))) {
      texts.add(sources.filter(p -> p.toString().endsWith(".java")).sorted().map(p -> {
        try {
          return Files.readString(p);
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
      }).collect(Collectors.joining("\n")));
    }
    String sample = "Grüße aus Köln, 東京の天気は晴れです。 Привет, как дела? It's 12345678 o'clock -- don't you   think?\r\n"
        + "\tdef f(x):\n\t\treturn x ** 2  # 😀 emoji\n\n\n   leading spaces and /slashes/ and \"quotes\"...\n";
    texts.add(sample.repeat(400));
    texts.add(sample.replace('\n', ' ').repeat(400));
    return texts;
  }

  @Test
  void ordinaryProseAndCodeCountExactlyAsAWhole() throws IOException {
    for (Encoding encoding : ENCODINGS) {
      for (String text : ordinary()) {
        assertThat(text.length()).isGreaterThan(10 * TextPieces.MAX_CHARS);
        assertThat(TextPieces.hardCuts(text)).isZero();
        assertThat(TokenCounter.count(encoding, text)).as(encoding.getName()).isEqualTo(encoding.countTokensOrdinary(text));
      }
    }
  }

  @Test
  void theFirstTokensOfOrdinaryTextAreTheWholeEncodingsFirstTokens() throws IOException {
    for (Encoding encoding : ENCODINGS) {
      for (String text : ordinary()) {
        IntArrayList whole = encoding.encodeOrdinary(text);
        for (int max : new int[] {1, 5, 333, whole.size() / 2, whole.size() - 1}) {
          IntArrayList first = new IntArrayList();
          for (int i = 0; i < max; i++) {
            first.add(whole.get(i));
          }
          assertThat(TokenCounter.firstTokens(encoding, text, max)).isEqualTo(encoding.decode(first));
        }
        assertThat(TokenCounter.firstTokens(encoding, text, whole.size())).isNull();
      }
    }
  }

  @Test
  void theFirstTokensOfAHugeRunAreFoundWithoutEncodingItWhole() {
    Recording recording = new Recording(ENCODINGS.get(0));
    assertThat(TokenCounter.firstTokens(recording, "say: hi " + "a".repeat(1_000_000), 5)).startsWith("say: hi a");
    assertThat(recording.longest).isLessThanOrEqualTo(TextPieces.MAX_CHARS);
  }

  @Test
  void aHardCutRunIsNeverCountedBelowTheWhole() {
    Random random = new Random(7);
    String[] alphabets = {"abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=",
        "0123456789abcdef", "0123456789", ".,;:!?()[]{}<>=+-*/\\|&^%$#@~`'\"", "aeiouAEIOU'sdtmllvere", "的一是不了人我在有他这为之大来以个中上们"};
    for (Encoding encoding : ENCODINGS) {
      for (int round = 0; round < 60; round++) {
        String alphabet = alphabets[round % alphabets.length];
        StringBuilder run = new StringBuilder();
        int length = 2 * TextPieces.MAX_CHARS + random.nextInt(4 * TextPieces.MAX_CHARS);
        for (int i = 0; i < length; i++) {
          run.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        String text = run.toString();
        int whole = encoding.countTokensOrdinary(text);
        int counted = TokenCounter.count(encoding, text);
        assertThat(counted).as("%s, %s", encoding.getName(), text).isGreaterThanOrEqualTo(whole);
        assertThat(counted - whole).as("over-estimate").isLessThanOrEqualTo(3 * TextPieces.hardCuts(text));
      }
    }
  }
}
