package dev.modelmux.tokens;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import com.knuddels.jtokkit.api.IntArrayList;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Locale;

/**
 * Counts tokens the way OpenAI bills chat prompts: the encoded text of every message plus the
 * cookbook framing (3 per message, 1 per name, 3 to prime the reply). Encodings load once, here.
 */
public final class TokenCounter {
  private static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();
  private static final int PER_MESSAGE = 3;
  private static final int PER_NAME = 1;
  private static final int REPLY_PRIMING = 3;
  private static final List<String> ROLES = List.of("system", "user", "assistant", "tool", "developer", "function");

  private TokenCounter() {}

  /** gpt-4o, gpt-4.1, o-series and gpt-5 use o200k_base; everything else (gpt-3.5, gpt-4, Claude estimates) cl100k_base. */
  public static Encoding encodingFor(String model) {
    String m = model.toLowerCase(Locale.ROOT);
    boolean o200k = m.startsWith("gpt-4o") || m.startsWith("gpt-4.1") || m.startsWith("gpt-4.5") || m.startsWith("gpt-5")
        || isOSeries(m) || m.startsWith("chatgpt-4o");
    return REGISTRY.getEncoding(o200k ? EncodingType.O200K_BASE : EncodingType.CL100K_BASE);
  }

  /** o1, o3, o4-mini and the like: an "o" followed by a digit. */
  public static boolean isOSeries(String model) {
    return model.length() > 1 && model.charAt(0) == 'o' && Character.isDigit(model.charAt(1));
  }

  /** Loads both encodings now, so the first request does not pay for it. */
  public static void warmUp() {
    REGISTRY.getEncoding(EncodingType.CL100K_BASE).countTokens("warm up");
    REGISTRY.getEncoding(EncodingType.O200K_BASE).countTokens("warm up");
  }

  /**
   * Tokens of {@code text}, counted in {@link TextPieces} so that time and memory stay linear in its length: exactly
   * the encoder's count of the whole for prose and code, at most one more per hard cut for a pathological run.
   */
  public static int count(Encoding encoding, String text) {
    if (text == null || text.isEmpty()) {
      return 0;
    }
    if (text.length() <= TextPieces.MAX_CHARS) {
      return encoding.countTokensOrdinary(text);
    }
    int[] total = {0};
    int hardCuts = TextPieces.forEach(text, (start, end) -> total[0] += encoding.countTokensOrdinary(text.substring(start, end)));
    return total[0] + hardCuts;
  }

  /**
   * The text of the first {@code maxTokens} tokens of {@code text}, or null when it has no more than that; encoded
   * piece by piece, never the whole text at once.
   */
  public static String firstTokens(Encoding encoding, String text, int maxTokens) {
    IntArrayList kept = new IntArrayList();
    for (int start = 0; start < text.length(); ) {
      int end = TextPieces.pieceEnd(text, start);
      IntArrayList tokens = encoding.encodeOrdinary(text.substring(start, end));
      for (int i = 0; i < tokens.size(); i++) {
        if (kept.size() == maxTokens) {
          return encoding.decode(kept);
        }
        kept.add(tokens.get(i));
      }
      start = end;
    }
    return null;
  }

  /** Prompt tokens of OpenAI-shaped messages, tools included as their JSON text (an estimate, as OpenAI's own overhead is undocumented). */
  public static int countChat(Encoding encoding, JsonArray messages, JsonArray tools) {
    return countChatWithToolsJson(encoding, messages, tools == null || tools.isEmpty() ? null : tools.encode());
  }

  /** @param toolsJson the tools as JSON text (as the client sent them), or null */
  public static int countChatWithToolsJson(Encoding encoding, JsonArray messages, String toolsJson) {
    int total = REPLY_PRIMING;
    for (int i = 0; i < messages.size(); i++) {
      Object item = messages.getValue(i);
      if (!(item instanceof JsonObject message)) {
        continue;
      }
      total += PER_MESSAGE;
      total += roleTokens(encoding, message.getString("role", ""));
      total += contentTokens(encoding, message.getValue("content"));
      if (message.getValue("name") instanceof String name) {
        total += PER_NAME + count(encoding, name);
      }
      if (message.getValue("tool_calls") instanceof JsonArray calls) {
        total += count(encoding, calls.encode());
      }
    }
    if (toolsJson != null) {
      total += count(encoding, toolsJson);
    }
    return total;
  }

  /** A role's tokens: the chat roles' counts are worked out once per encoding, any other role is counted. */
  private static int roleTokens(Encoding encoding, String role) {
    int known = ROLES.indexOf(role);
    if (known < 0) {
      return count(encoding, role);
    }
    int[] counts = encoding == Cl100kRoles.ENCODING ? Cl100kRoles.COUNTS : encoding == O200kRoles.ENCODING ? O200kRoles.COUNTS : null;
    return counts != null ? counts[known] : count(encoding, role);
  }

  private static int[] roleCounts(Encoding encoding) {
    return ROLES.stream().mapToInt(role -> count(encoding, role)).toArray();
  }

  /** Loaded on the first count in cl100k_base (the registry hands out one instance per encoding). */
  private static final class Cl100kRoles {
    static final Encoding ENCODING = REGISTRY.getEncoding(EncodingType.CL100K_BASE);
    static final int[] COUNTS = roleCounts(ENCODING);
  }

  private static final class O200kRoles {
    static final Encoding ENCODING = REGISTRY.getEncoding(EncodingType.O200K_BASE);
    static final int[] COUNTS = roleCounts(ENCODING);
  }

  private static int contentTokens(Encoding encoding, Object content) {
    if (content instanceof String text) {
      return count(encoding, text);
    }
    int total = 0;
    if (content instanceof JsonArray parts) {
      for (int i = 0; i < parts.size(); i++) {
        if (parts.getValue(i) instanceof JsonObject part && part.getValue("text") instanceof String text) {
          total += count(encoding, text);
        }
      }
    }
    return total;
  }
}
