package dev.modelmux.emulator;

import com.knuddels.jtokkit.api.Encoding;
import dev.modelmux.tokens.TokenCounter;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Turns an admitted request into its {@link AnswerPlan}. Text answers: {@link AnswerText#of}, cut
 * before the first stop sequence ({@code stop}, the sequence remembered), then cut to the first max tokens of the model's
 * encoding ({@code length}). Forced tool calls: one call whose arguments come from the tool's schema
 * ({@link ToolArguments}); its completion tokens count the name and the arguments.
 */
public final class AnswerPlanner {
  private AnswerPlanner() {}

  public static AnswerPlan plan(ChatRequest request, int promptTokens) {
    return plan(request, promptTokens, AnswerStyle.CLEAN, List.of());
  }

  /** The plan of a model that dresses its answers in {@code style}, with the emulator's canned answers. */
  public static AnswerPlan plan(ChatRequest request, int promptTokens, AnswerStyle style, List<ScriptedAnswer> scripts) {
    Encoding encoding = TokenCounter.encodingFor(request.model());
    if (request.forcedTool() != null) {
      AnswerPlan.ToolCall call = toolCall(request);
      int completion = TokenCounter.count(encoding, call.name()) + TokenCounter.count(encoding, call.arguments());
      return new AnswerPlan(List.of(), call, FinishReason.TOOL_CALLS, promptTokens, completion);
    }
    String text = answerText(request.turns(), style, scripts);
    FinishReason reason = FinishReason.STOP;
    int cut = text.length();
    String stopSequence = null;
    for (String stop : request.stop()) {
      int at = text.indexOf(stop);
      if (at >= 0 && at < cut) {
        cut = at;
        stopSequence = stop;
      }
    }
    text = text.substring(0, cut);
    if (request.maxTokens() != null) {
      String kept = TokenCounter.firstTokens(encoding, text, request.maxTokens());
      if (kept != null) {
        text = kept;
        reason = FinishReason.LENGTH;
        stopSequence = null;
      }
    }
    return new AnswerPlan(AnswerText.pieces(text), null, reason, promptTokens, TokenCounter.count(encoding, text), stopSequence);
  }

  /**
   * A conversation that ends with an assistant turn is a prefill: the answer continues it, so it is the answer to
   * the conversation before that turn, minus the prefilled part (whole answer if the prefill is not its start).
   */
  static String answerText(List<Turn> turns) {
    return answerText(turns, AnswerStyle.CLEAN, List.of());
  }

  static String answerText(List<Turn> turns, AnswerStyle style, List<ScriptedAnswer> scripts) {
    if (turns.isEmpty() || !"assistant".equals(turns.get(turns.size() - 1).role())) {
      return composed(turns, style, scripts);
    }
    String prefill = turns.get(turns.size() - 1).text();
    String whole = composed(turns.subList(0, turns.size() - 1), style, scripts);
    return whole.startsWith(prefill) ? whole.substring(prefill.length()) : whole;
  }

  /**
   * A {@code say:} or {@code words:} directive is answered exactly; otherwise the core (a canned answer, else
   * {@link AnswerText}'s words) is dressed in the model's style, with markers when the prompt mentions them.
   */
  private static String composed(List<Turn> turns, AnswerStyle style, List<ScriptedAnswer> scripts) {
    if (AnswerText.directed(turns)) {
      return AnswerText.of(turns);
    }
    String conversation = turns.stream().filter(t -> !"assistant".equals(t.role())).map(Turn::text)
        .collect(Collectors.joining("\n"));
    String scripted = ScriptedAnswer.answer(scripts, conversation);
    String core = scripted != null ? scripted : AnswerText.of(turns);
    return style.dress(core, conversation.contains(AnswerStyle.START_MARKER));
  }

  /** The forced call for a request: {@code call_} + 24 hex digits of the conversation and tool name. */
  static AnswerPlan.ToolCall toolCall(ChatRequest request) {
    JsonObject function = request.forcedTool();
    String name = function.getString("name");
    String arguments = ToolArguments.forParameters(
        function.getValue("parameters") instanceof JsonObject p ? p : null);
    long h1 = AnswerText.hash(request.turns());
    long h2 = AnswerText.hash(List.of(new Turn("tool", name), new Turn("seed", Long.toHexString(h1))));
    String id = "call_" + String.format("%016x%08x", h1, h2 >>> 32);
    return new AnswerPlan.ToolCall(id, name, arguments, fragments(arguments));
  }

  /** Splits the arguments into 3 fragments (fewer when shorter than 3 chars), never inside a surrogate pair. */
  static List<String> fragments(String arguments) {
    List<String> out = new ArrayList<>();
    int parts = Math.min(3, Math.max(1, arguments.length()));
    int start = 0;
    for (int i = 1; i <= parts; i++) {
      int end = i == parts ? arguments.length() : arguments.length() * i / parts;
      if (end > start && end < arguments.length() && Character.isLowSurrogate(arguments.charAt(end))) {
        end++;
      }
      if (end > start) {
        out.add(arguments.substring(start, end));
        start = end;
      }
    }
    return out;
  }
}
