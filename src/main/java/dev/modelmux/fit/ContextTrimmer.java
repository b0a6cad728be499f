package dev.modelmux.fit;

import dev.modelmux.config.DeploymentConfig;
import dev.modelmux.config.ProviderKind;
import dev.modelmux.core.ChatRequest;
import dev.modelmux.core.Dialect;
import dev.modelmux.tokens.PromptTokens;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Trims a request's context to fit a smaller window (a fallback deployment's), in the client's own dialect.
 *
 * <p>Rules, in order, until the prompt fits as {@link PromptTokens} counts it for the target deployment:
 * <ol>
 *   <li>Drop whole turns, oldest first. Never the system prompt (OpenAI system/developer messages, wherever
 *       they are; Anthropic's top-level {@code system}), never the last user turn nor what follows it (the
 *       exchange in progress). The conversation is only ever cut just before a user turn, and never between a
 *       tool call and its result (OpenAI assistant {@code tool_calls} / {@code tool} messages, Anthropic
 *       {@code tool_use} / {@code tool_result} blocks), so what remains starts with a user turn, alternates
 *       as the original did, and has no orphan tool call or result.</li>
 *   <li>Cut fenced code blocks in the middle (head and tail lines kept, one marker line for the rest) in the
 *       turns that remain, oldest first, the last user turn last; the last block cut keeps as many lines as
 *       still fit.</li>
 *   <li>Never touch the system prompt: if it still does not fit, the request cannot be trimmed.</li>
 * </ol>
 * Pure and synchronous; it encodes the prompt, so large bodies belong off the event loop.
 */
public final class ContextTrimmer {
  /** The response header that reports the prompt tokens dropped. */
  public static final String HEADER = "x-modelmux-context-trimmed";
  /** A cut code block keeps at least this many lines (head and tail). */
  static final int MIN_KEPT_LINES = 2;
  private static final int VERIFY_ATTEMPTS = 3;

  /**
   * @param request the trimmed copy (every field but the body as given), or the request itself when it already fit
   * @param tokensDropped the original prompt estimate minus {@code promptTokens}; 0 when nothing was trimmed
   * @param promptTokens the prompt estimate of {@code request} for the deployment
   */
  public record Trimmed(ChatRequest request, int tokensDropped, int promptTokens) {
    public boolean trimmed() {
      return tokensDropped > 0;
    }

    /** The value of {@link #HEADER}. */
    public String headerValue() {
      return Integer.toString(tokensDropped);
    }
  }

  private ContextTrimmer() {}

  /**
   * The largest prompt the deployment takes with the output the request asks for, by the router's window-fit
   * rule: the client's output cap (bounded by the deployment's) or, when it set none, at least one token.
   */
  public static int promptBudget(DeploymentConfig deployment, Integer clientMaxTokens) {
    int output = clientMaxTokens == null ? 1 : Math.min(clientMaxTokens, deployment.maxOutputTokens());
    return deployment.contextWindow() - output;
  }

  /**
   * Returns a trimmed copy of the request whose prompt fits {@code maxPromptTokens} (as counted for the given
   * deployment), the request itself when it already fits, or empty when it cannot fit without touching the
   * system prompt or the last user turn beyond its code blocks.
   */
  public static Optional<Trimmed> trim(ChatRequest request, DeploymentConfig deployment, int maxPromptTokens) {
    int original = new PromptTokens(request).estimate(deployment);
    if (original <= maxPromptTokens) {
      return Optional.of(new Trimmed(request, 0, original));
    }
    // The search counts message by message; the result is checked with PromptTokens itself, and searched
    // again with a tighter target should the two ever disagree.
    int target = maxPromptTokens;
    for (int attempt = 0; attempt < VERIFY_ATTEMPTS && target > 0; attempt++) {
      Optional<JsonObject> body = new Plan(request, deployment).fit(target);
      if (body.isEmpty()) {
        return Optional.empty();
      }
      ChatRequest trimmed = new ChatRequest(request.requestId(), request.dialect(), body.get(), request.model(),
          request.stream(), request.includeUsage(), request.maxOutputTokens(), request.bodyBytes());
      int tokens = new PromptTokens(trimmed).estimate(deployment);
      if (tokens <= maxPromptTokens) {
        return Optional.of(new Trimmed(trimmed, original - tokens, tokens));
      }
      target -= tokens - maxPromptTokens;
    }
    return Optional.empty();
  }

  /** One trimming of one request: a private copy of the body, and per-message token counts. */
  private static final class Plan {
    private final ChatRequest request;
    private final DeploymentConfig deployment;
    private final DeploymentConfig rawCounting;
    private final boolean anthropic;
    private final JsonObject body;
    private final JsonArray messages;
    private final int base;
    private final int emptyConversation;
    private final int[] messageTokens;
    private final boolean[] system;
    private final int lastUser;
    private final List<Integer> cuts;

    Plan(ChatRequest request, DeploymentConfig deployment) {
      this.request = request;
      this.deployment = deployment;
      this.anthropic = request.dialect() != Dialect.OPENAI;
      this.body = request.body().copy();
      JsonArray turns = body.getJsonArray("messages");
      this.messages = turns == null ? new JsonArray() : turns;
      body.put("messages", messages);
      // Counted as PromptTokens does, without the Anthropic margin (applied to the sum): the encoding of the target.
      boolean claude = deployment.provider() == ProviderKind.ANTHROPIC;
      this.rawCounting = new DeploymentConfig(deployment.id(), ProviderKind.OPENAI, deployment.baseUrl(), deployment.apiKeyEnv(),
          deployment.apiKey(), claude ? "claude" : deployment.model(), deployment.contextWindow(), deployment.maxOutputTokens(),
          deployment.defaultMaxTokens(), deployment.apiVersion(), deployment.limits(), deployment.price(), deployment.timeouts(),
          deployment.bodyLimits(), deployment.pool(), deployment.family(), deployment.latency(), false);
      this.base = rawCount(body.copy().put("messages", new JsonArray()));
      this.emptyConversation = rawCount(new JsonObject().put("messages", new JsonArray()));
      int n = messages.size();
      this.messageTokens = new int[n];
      this.system = new boolean[n];
      for (int i = 0; i < n; i++) {
        messageTokens[i] = countMessage(i);
        String role = message(i).getString("role", "");
        system[i] = !anthropic && (role.equals("system") || role.equals("developer"));
      }
      this.lastUser = lastUserTurn();
      this.cuts = cuts();
    }

    Optional<JsonObject> fit(int target) {
      // 1. Drop whole turns: the fewest cuts that fit (the count only falls as the cut moves later).
      int lo = 0;
      int hi = cuts.size() - 1;
      while (lo < hi) {
        int mid = (lo + hi) >>> 1;
        if (estimate(cuts.get(mid)) <= target) {
          hi = mid;
        } else {
          lo = mid + 1;
        }
      }
      int cut = cuts.get(lo);
      if (estimate(cut) <= target) {
        return Optional.of(result(cut));
      }
      // 2. Cut code blocks in what remains, oldest first, the last user turn last.
      List<Integer> order = new ArrayList<>();
      for (int i = cut; i < messages.size(); i++) {
        if (!system[i] && i != lastUser) {
          order.add(i);
        }
      }
      if (lastUser >= cut) {
        order.add(lastUser);
      }
      for (int i : order) {
        for (Slot slot : slots(message(i))) {
          if (cutCode(i, slot, cut, target)) {
            return Optional.of(result(cut));
          }
        }
      }
      // 3. The system prompt stays whole: this request does not fit.
      return Optional.empty();
    }

    /** Cuts the slot's code blocks one by one; true once the prompt fits, the last block keeping all it can. */
    private boolean cutCode(int index, Slot slot, int cut, int target) {
      FencedCode code = FencedCode.parse(slot.text());
      int[] keep = new int[code.blocks().size()];
      Arrays.fill(keep, -1);
      for (int b = 0; b < keep.length; b++) {
        int lines = code.blocks().get(b).lines();
        if (lines < MIN_KEPT_LINES + 2) {
          continue; // a marker would save next to nothing
        }
        keep[b] = MIN_KEPT_LINES;
        apply(index, slot, code, keep);
        if (estimate(cut) > target) {
          continue;
        }
        int lo = MIN_KEPT_LINES; // fits
        int hi = lines - 2;
        while (lo < hi) {
          int mid = (lo + hi + 1) >>> 1;
          keep[b] = mid;
          apply(index, slot, code, keep);
          if (estimate(cut) <= target) {
            lo = mid;
          } else {
            hi = mid - 1;
          }
        }
        keep[b] = lo;
        apply(index, slot, code, keep);
        return true;
      }
      return false;
    }

    private void apply(int index, Slot slot, FencedCode code, int[] keep) {
      slot.set(code.render(keep));
      messageTokens[index] = countMessage(index);
    }

    /** The prompt estimate with the non-system messages before {@code cut} dropped. */
    private int estimate(int cut) {
      long raw = base;
      for (int i = 0; i < messageTokens.length; i++) {
        if (i >= cut || system[i]) {
          raw += messageTokens[i];
        }
      }
      return deployment.provider() == ProviderKind.ANTHROPIC ? (int) Math.ceil(raw * PromptTokens.ANTHROPIC_MARGIN) : (int) raw;
    }

    private JsonObject result(int cut) {
      JsonArray kept = new JsonArray();
      for (int i = 0; i < messages.size(); i++) {
        if (i >= cut || system[i]) {
          kept.add(messages.getValue(i));
        }
      }
      return body.put("messages", kept);
    }

    private int countMessage(int index) {
      return rawCount(new JsonObject().put("messages", new JsonArray().add(messages.getValue(index)))) - emptyConversation;
    }

    private int rawCount(JsonObject body) {
      return new PromptTokens(new ChatRequest(request.requestId(), request.dialect(), body, request.model(), false, false, null, 0))
          .estimate(rawCounting);
    }

    private JsonObject message(int index) {
      return messages.getValue(index) instanceof JsonObject m ? m : new JsonObject();
    }

    /** The last turn a person wrote: the last user message (for Anthropic, one with more than tool results). */
    private int lastUserTurn() {
      int fallback = -1;
      for (int i = messages.size() - 1; i >= 0; i--) {
        JsonObject m = message(i);
        if (!"user".equals(m.getString("role"))) {
          continue;
        }
        if (!anthropic || !onlyToolResults(m.getValue("content"))) {
          return i;
        }
        if (fallback < 0) {
          fallback = i;
        }
      }
      return fallback;
    }

    private static boolean onlyToolResults(Object content) {
      if (!(content instanceof JsonArray blocks) || blocks.isEmpty()) {
        return false;
      }
      for (int i = 0; i < blocks.size(); i++) {
        if (!(blocks.getValue(i) instanceof JsonObject block) || !"tool_result".equals(block.getString("type"))) {
          return false;
        }
      }
      return true;
    }

    /**
     * Where the conversation may start after dropping, in order: 0 (nothing dropped), then each user turn up
     * to the last one that no tool call/result pair straddles.
     */
    private List<Integer> cuts() {
      List<int[]> pairs = toolPairs();
      List<Integer> cuts = new ArrayList<>();
      cuts.add(0);
      for (int k = 1; k <= lastUser; k++) {
        if (system[k] || !"user".equals(message(k).getString("role"))) {
          continue;
        }
        boolean straddled = false;
        for (int[] pair : pairs) {
          if (pair[0] < k && k <= pair[1]) {
            straddled = true;
            break;
          }
        }
        if (!straddled) {
          cuts.add(k);
        }
      }
      return cuts;
    }

    /** Each tool call and the message answering it, as {call index, result index}. */
    private List<int[]> toolPairs() {
      Map<String, Integer> calls = new HashMap<>();
      List<int[]> pairs = new ArrayList<>();
      int lastFunctionCall = -1;
      for (int i = 0; i < messages.size(); i++) {
        JsonObject m = message(i);
        String role = m.getString("role", "");
        if (anthropic) {
          if (m.getValue("content") instanceof JsonArray blocks) {
            for (int j = 0; j < blocks.size(); j++) {
              if (!(blocks.getValue(j) instanceof JsonObject block)) {
                continue;
              }
              if ("tool_use".equals(block.getString("type")) && block.getValue("id") instanceof String id) {
                calls.put(id, i);
              } else if ("tool_result".equals(block.getString("type")) && block.getValue("tool_use_id") instanceof String id) {
                pairs.add(new int[] {calls.getOrDefault(id, i), i});
              }
            }
          }
        } else if (role.equals("assistant")) {
          if (m.getValue("tool_calls") instanceof JsonArray toolCalls) {
            for (int j = 0; j < toolCalls.size(); j++) {
              if (toolCalls.getValue(j) instanceof JsonObject call && call.getValue("id") instanceof String id) {
                calls.put(id, i);
              }
            }
          }
          if (m.getValue("function_call") != null) {
            lastFunctionCall = i;
          }
        } else if (role.equals("tool")) {
          Integer call = m.getValue("tool_call_id") instanceof String id ? calls.get(id) : null;
          pairs.add(new int[] {call != null ? call : previousAssistant(i), i});
        } else if (role.equals("function")) {
          pairs.add(new int[] {lastFunctionCall >= 0 ? lastFunctionCall : i, i});
        }
      }
      return pairs;
    }

    private int previousAssistant(int index) {
      for (int i = index - 1; i >= 0; i--) {
        if ("assistant".equals(message(i).getString("role"))) {
          return i;
        }
      }
      return index;
    }

    /** The strings of a message that may hold code: string content, text parts and blocks, tool results' text. */
    private static List<Slot> slots(JsonObject message) {
      List<Slot> slots = new ArrayList<>();
      collect(message, "content", slots);
      return slots;
    }

    private static void collect(JsonObject holder, String key, List<Slot> slots) {
      Object value = holder.getValue(key);
      if (value instanceof String) {
        slots.add(new Slot(holder, key));
      } else if (value instanceof JsonArray parts) {
        for (int i = 0; i < parts.size(); i++) {
          if (!(parts.getValue(i) instanceof JsonObject part)) {
            continue;
          }
          if (part.getValue("text") instanceof String) {
            slots.add(new Slot(part, "text"));
          } else if ("tool_result".equals(part.getString("type"))) {
            collect(part, "content", slots);
          }
        }
      }
    }
  }

  /** One string in the body copy that may be rewritten. */
  private record Slot(JsonObject holder, String key) {
    String text() {
      return holder.getString(key);
    }

    void set(String text) {
      holder.put(key, text);
    }
  }
}
