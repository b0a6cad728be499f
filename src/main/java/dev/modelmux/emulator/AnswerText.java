package dev.modelmux.emulator;

import io.vertx.core.json.JsonArray;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The emulator's answer text: a pure function of the conversation's roles and texts (never the raw
 * JSON), so every dialect yields the same answer for the same conversation.
 *
 * <p>Directives are read from the LAST user turn, at the start of any of its lines:
 * <ul>
 *   <li>{@code say: <text>} — the answer is exactly {@code <text>}: everything after {@code "say:"} and
 *       one optional space, to the end of the turn (so it may span lines).</li>
 *   <li>{@code words: <N>} — N pseudo-random words from {@link #WORDS}, joined by single spaces.</li>
 *   <li>otherwise 12–40 such words.</li>
 * </ul>
 * Words are drawn by SplitMix64 seeded with the FNV-1a 64 hash of the conversation (for each turn:
 * role, NUL, text, 0x01, in UTF-8).
 */
public final class AnswerText {
  /** The fixed ASCII word list answers are made of. */
  public static final List<String> WORDS = List.of(
      "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet",
      "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo", "sierra", "tango",
      "uniform", "victor", "whiskey", "xray", "yankee", "zulu", "river", "stone", "cloud", "forest",
      "signal", "vector", "kernel", "socket", "buffer", "thread", "packet", "module", "lambda", "token",
      "stream", "gateway", "budget", "window", "router", "replica", "breaker", "latency", "quota", "tier",
      "answer", "model", "prompt", "context", "the", "a", "of", "and", "to", "in", "is", "it", "for", "on");

  private static final Pattern SAY = Pattern.compile("(?m)^say:");
  private static final Pattern COUNT = Pattern.compile("(?m)^words:\\s*(\\d{1,6})");
  private static final Pattern PIECE = Pattern.compile("\\s*\\S+");

  private AnswerText() {}

  /** The answer to OpenAI-shaped {@code messages} (see the class comment). */
  public static String of(JsonArray messages) {
    return of(Turn.fromOpenAi(messages));
  }

  /** Whether the last user turn holds a {@code say:} or {@code words:} directive. */
  static boolean directed(List<Turn> turns) {
    String last = lastUserText(turns);
    return SAY.matcher(last).find() || COUNT.matcher(last).find();
  }

  private static String lastUserText(List<Turn> turns) {
    for (int i = turns.size() - 1; i >= 0; i--) {
      if ("user".equals(turns.get(i).role())) {
        return turns.get(i).text();
      }
    }
    return "";
  }

  /** The answer to a dialect-neutral conversation (see the class comment). */
  public static String of(List<Turn> turns) {
    String last = lastUserText(turns);
    Matcher say = SAY.matcher(last);
    if (say.find()) {
      String rest = last.substring(say.end());
      return rest.startsWith(" ") ? rest.substring(1) : rest;
    }
    SplitMix64 random = new SplitMix64(hash(turns));
    Matcher count = COUNT.matcher(last);
    int words = count.find() ? Integer.parseInt(count.group(1)) : 12 + random.nextInt(29);
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < words; i++) {
      if (i > 0) {
        text.append(' ');
      }
      text.append(WORDS.get(random.nextInt(WORDS.size())));
    }
    return text.toString();
  }

  /**
   * Splits text into the pieces it is streamed in: each a run of non-whitespace with the whitespace
   * before it (trailing whitespace joins the last piece). The pieces concatenate to the text.
   */
  public static List<String> pieces(String text) {
    List<String> pieces = new ArrayList<>();
    Matcher m = PIECE.matcher(text);
    int end = 0;
    while (m.find()) {
      pieces.add(m.group());
      end = m.end();
    }
    if (end < text.length()) {
      String tail = text.substring(end);
      if (pieces.isEmpty()) {
        pieces.add(tail);
      } else {
        pieces.set(pieces.size() - 1, pieces.get(pieces.size() - 1) + tail);
      }
    }
    return pieces;
  }

  /** FNV-1a 64 of the conversation (role, NUL, text, 0x01 per turn; UTF-8). */
  public static long hash(List<Turn> turns) {
    long h = 0xcbf29ce484222325L;
    for (Turn turn : turns) {
      h = fnv(h, turn.role().getBytes(StandardCharsets.UTF_8));
      h = fnv(h, new byte[] {0});
      h = fnv(h, turn.text().getBytes(StandardCharsets.UTF_8));
      h = fnv(h, new byte[] {1});
    }
    return h;
  }

  private static long fnv(long h, byte[] bytes) {
    for (byte b : bytes) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    return h;
  }

  /** SplitMix64: tiny, fast and the same on every JVM. */
  static final class SplitMix64 {
    private long state;

    SplitMix64(long seed) {
      this.state = seed;
    }

    long next() {
      long z = (state += 0x9e3779b97f4a7c15L);
      z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
      z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
      return z ^ (z >>> 31);
    }

    int nextInt(int bound) {
      return (int) Long.remainderUnsigned(next(), bound);
    }
  }
}
