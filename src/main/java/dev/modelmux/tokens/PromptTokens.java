package dev.modelmux.tokens;

import com.knuddels.jtokkit.api.Encoding;
import dev.modelmux.config.DeploymentConfig;
import dev.modelmux.config.ProviderKind;
import dev.modelmux.core.ChatRequest;
import dev.modelmux.core.Dialect;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Prompt tokens of one request as each deployment will count them: jtokkit with the deployment's encoding
 * (cl100k_base or o200k_base). Anthropic publishes no tokenizer, so Claude prompts are counted with
 * cl100k_base and raised by {@link #ANTHROPIC_MARGIN}; settling with the usage Anthropic reports corrects it.
 * One instance per request: each encoding is counted at most once.
 */
public final class PromptTokens {
  /** Claude tokenizers yield more tokens than cl100k_base for the same text; 15% keeps the estimate on the safe side. */
  public static final double ANTHROPIC_MARGIN = 1.15;

  /** Test seam: told each request as it is counted, on the counting thread. */
  static volatile Consumer<ChatRequest> counting = request -> {};

  private final ChatRequest request;
  /** The first encoding counted and its count; a request whose candidates use a second encoding counts it into {@link #others}. */
  private Encoding firstEncoding;
  private int firstCount;
  private Map<Encoding, Integer> others;
  private boolean toolsRead;
  private String toolsJson;

  public PromptTokens(ChatRequest request) {
    this.request = request;
  }

  public ChatRequest request() {
    return request;
  }

  public int estimate(DeploymentConfig deployment) {
    Encoding encoding = TokenCounter.encodingFor(deployment.provider() == ProviderKind.ANTHROPIC ? "claude" : deployment.model());
    int tokens = counted(encoding);
    return deployment.provider() == ProviderKind.ANTHROPIC ? (int) Math.ceil(tokens * ANTHROPIC_MARGIN) : tokens;
  }

  private int counted(Encoding encoding) {
    if (firstEncoding == null) {
      firstCount = count(encoding);
      firstEncoding = encoding;
    }
    if (encoding == firstEncoding) {
      return firstCount;
    }
    if (others == null) {
      others = new IdentityHashMap<>(2);
    }
    return others.computeIfAbsent(encoding, this::count);
  }

  private int count(Encoding encoding) {
    counting.accept(request);
    JsonObject body = request.body();
    if (request.dialect() == Dialect.OPENAI) {
      return TokenCounter.countChatWithToolsJson(encoding, body.getJsonArray("messages"), toolsJson());
    }
    JsonArray messages = new JsonArray();
    Object system = body.getValue("system");
    if (system != null) {
      messages.add(new JsonObject().put("role", "system").put("content", system));
    }
    JsonArray turns = body.getJsonArray("messages");
    for (int i = 0; i < turns.size(); i++) {
      JsonObject turn = turns.getJsonObject(i);
      messages.add(new JsonObject().put("role", turn.getString("role")).put("content", blocksAsText(turn.getValue("content"))));
    }
    return TokenCounter.countChatWithToolsJson(encoding, messages, toolsJson());
  }

  /** The tools as JSON text: the bytes the client sent when there are any, so they are not encoded again per encoding. */
  private String toolsJson() {
    if (!toolsRead) {
      toolsRead = true;
      JsonArray tools = request.body().getJsonArray("tools");
      if (tools != null && !tools.isEmpty()) {
        toolsJson = request.rawBody() != null ? request.sentMember("tools") : tools.encode();
      }
    }
    return toolsJson;
  }

  /** Anthropic content: text blocks as text, tool calls and results as their JSON. */
  private static Object blocksAsText(Object content) {
    if (!(content instanceof JsonArray blocks)) {
      return content;
    }
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < blocks.size(); i++) {
      JsonObject block = blocks.getJsonObject(i);
      if (block.getValue("text") instanceof String t) {
        text.append(t).append('\n');
      } else if (!"image".equals(block.getString("type"))) {
        text.append(block.encode()).append('\n');
      }
    }
    return text.toString();
  }
}
